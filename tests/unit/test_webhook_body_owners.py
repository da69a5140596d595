"""A signed body belongs to the shop it was first delivered for: replayed under another
shop's X-Shopify-Shop-Domain (fresh webhook and event ids), it is rejected and changes
nothing of that shop, on the one-by-one path and the batch path alike. The same shop
receiving the same body again (products/create, then products/update) is unaffected."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import event, func, select

from shopify_app.extensions import db
from shopify_app.models import Location, Order, Product, Shop, WebhookDelivery
from shopify_app.shopify.hmac_checks import webhook_hmac
from shopify_app.sync.webhooks import batches as webhook_batches
from shopify_app.sync.webhooks.apply import apply_delivery

from tests.conftest import API_SECRET, SHOP, create_shop
from tests.unit.test_webhook_batches import product_payload, rings  # noqa: F401 (a fixture)
from tests.unit.test_webhooks import deliver, sample

OTHER = "other-shop.myshopify.com"
REPLAY = "this signed body was delivered for another shop"


def delivery_of(webhook_id: str) -> WebhookDelivery:
    db.session.expire_all()
    return db.session.execute(select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)).scalar_one()


def rows_of(model, domain: str) -> int:
    return db.session.execute(
        select(func.count()).select_from(model).join(Shop, Shop.id == model.shop_id).where(Shop.domain == domain)
    ).scalar_one()


def assert_replay_rejected(webhook_id: str) -> None:
    row = delivery_of(webhook_id)
    assert row.status == "rejected" and REPLAY in row.error
    assert row.payload is None  # erased, as every rejected delivery's


def test_the_door_records_the_verified_signature_as_the_body_digest(client, shop, rings):  # noqa: F811
    body = product_payload(1)
    deliver(client, "products/update", body, webhook_id="w-digest")
    assert delivery_of("w-digest").body_digest == webhook_hmac(json.dumps(body).encode(), API_SECRET)


def test_the_door_writes_the_digest_in_its_one_statement(client, shop, rings):  # noqa: F811
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert deliver(client, "products/update", product_payload(1)).get_json() == {"status": "accepted"}
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    writes = [s for s in statements if "webhook_deliveries" in s]
    assert len(writes) == 1 and writes[0].startswith("INSERT") and "body_digest" in writes[0]


def test_a_signed_order_replayed_under_another_shop_s_header_gives_that_shop_nothing(client, shop):
    create_shop(OTHER)
    body = {**sample("orders/create"), "cancelled_at": None}  # an open order: imported
    assert deliver(client, "orders/create", body, webhook_id="w-genuine").status_code == 200
    assert delivery_of("w-genuine").status == "processed" and rows_of(Order, SHOP) == 1

    resp = deliver(client, "orders/create", body, shop=OTHER, webhook_id="w-replay")
    assert resp.status_code == 200  # acknowledged: the signature is Shopify's; never applied
    assert_replay_rejected("w-replay")
    assert rows_of(Order, OTHER) == 0 and rows_of(Order, SHOP) == 1


def test_a_product_and_its_replay_in_one_batch_apply_to_the_first_shop_only(client, shop, rings):  # noqa: F811
    create_shop(OTHER)
    body = product_payload(1)
    deliver(client, "products/update", body, webhook_id="w-genuine")
    deliver(client, "products/update", body, shop=OTHER, webhook_id="w-replay")
    deliver(client, "products/update", product_payload(2), shop=OTHER, webhook_id="w-other-own")

    assert webhook_batches.apply_batch() == 3
    assert delivery_of("w-genuine").status == "processed"
    assert delivery_of("w-other-own").status == "processed"  # the other shop's own body lands
    assert_replay_rejected("w-replay")
    assert db.session.execute(select(Shop.domain, Product.shopify_id).join(Shop, Shop.id == Product.shop_id)
                              .order_by(Shop.domain)).all() == [
        (OTHER, product_payload(2)["admin_graphql_api_id"]), (SHOP, body["admin_graphql_api_id"])]


def test_a_product_replayed_after_its_batch_is_rejected_by_a_later_batch(client, shop, rings):  # noqa: F811
    create_shop(OTHER)
    body = product_payload(1)
    deliver(client, "products/update", body)
    webhook_batches.apply_batch()
    deliver(client, "products/update", body, shop=OTHER, webhook_id="w-replay")
    webhook_batches.apply_batch()
    assert_replay_rejected("w-replay")
    assert rows_of(Product, OTHER) == 0


def test_a_batch_finds_its_bodies_owners_in_one_query(client, shop, rings):  # noqa: F811
    create_shop(OTHER)
    for n in range(20):
        body = product_payload(n)
        deliver(client, "products/update", body)
        deliver(client, "products/update", body, shop=OTHER)
    lookups = []

    def seen(conn, cursor, statement, *args):
        if statement.startswith("SELECT") and "body_digest IN" in statement:
            lookups.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert webhook_batches.apply_batch() == 40
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert len(lookups) == 1
    assert rows_of(Product, SHOP) == 20 and rows_of(Product, OTHER) == 0


def location_body(n: int) -> dict:
    return {"id": 655_000 + n, "name": f"Warehouse {n}", "address1": "1 Dock Road", "city": "Ottawa",
            "zip": "K1A 0A1", "country_code": "CA", "active": True,
            "admin_graphql_api_id": f"gid://shopify/Location/{655_000 + n}"}


def test_a_location_replayed_under_another_shop_s_header_is_rejected(client, shop):
    create_shop(OTHER)
    body = location_body(1)
    deliver(client, "locations/update", body, webhook_id="w-genuine")
    assert delivery_of("w-genuine").status == "processed" and rows_of(Location, SHOP) == 1
    deliver(client, "locations/update", body, shop=OTHER, webhook_id="w-replay")
    assert_replay_rejected("w-replay")
    assert rows_of(Location, OTHER) == 0


def test_an_inventory_level_replayed_under_another_shop_s_header_is_rejected(client, shop):
    create_shop(OTHER)
    body = sample("inventory_levels/update")
    deliver(client, "inventory_levels/update", body, webhook_id="w-genuine")
    assert delivery_of("w-genuine").status == "processed"
    deliver(client, "inventory_levels/update", body, shop=OTHER, webhook_id="w-replay")
    assert_replay_rejected("w-replay")


@pytest.mark.parametrize("batched", [True, False], ids=["batch path", "one by one"])
def test_the_same_shop_receiving_its_body_again_under_another_topic_still_applies_it(
        client, shop, rings, batched):  # noqa: F811
    """Even after another shop's replay of the body: the body is still the first shop's."""
    create_shop(OTHER)
    first = product_payload(1, title="first")
    deliver(client, "products/create", first, webhook_id="w-create")
    deliver(client, "products/create", first, shop=OTHER, webhook_id="w-replay")
    deliver(client, "products/update", first, webhook_id="w-update")
    if batched:
        webhook_batches.apply_batch()
    else:
        for webhook_id in ("w-create", "w-replay", "w-update"):
            apply_delivery(delivery_of(webhook_id).id)
    assert delivery_of("w-create").status == "processed"
    assert delivery_of("w-update").status == "processed"
    assert_replay_rejected("w-replay")
    assert rows_of(Product, SHOP) == 1 and rows_of(Product, OTHER) == 0
