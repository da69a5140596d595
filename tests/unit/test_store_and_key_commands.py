"""The CLI contracts of product stores and API keys: the new value is the last line,
errors are clear with a non-zero exit, and every change is in the audit log (actor cli)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from shopify_app.api_keys import find_active_key
from shopify_app.extensions import db
from shopify_app.models import ApiKey, AuditEntry, ProductStore, Shop

from tests.conftest import create_shop


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args, ok=True):
        result = runner.invoke(args=list(args))
        assert (result.exit_code == 0) == ok, result.output
        db.session.expire_all()
        return result

    return run


def last_line(result) -> str:
    return result.output.strip().splitlines()[-1]


def audit_actions() -> list[tuple[str, str, str, str | None]]:
    return [(e.action, e.actor_kind, e.actor, e.shop_domain)
            for e in db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def test_productstore_create_prints_the_id_last_and_refuses_a_duplicate_name(app, cli):
    store_id = int(last_line(cli("productstore", "create", "Alpha Brand", "--identifier", "barcode")))
    store = db.session.get(ProductStore, store_id)
    assert (store.name, store.identifier) == ("Alpha Brand", "barcode")
    assert db.session.get(ProductStore, int(last_line(cli("productstore", "create", "Beta")))).identifier == "sku"
    duplicate = cli("productstore", "create", "alpha brand", ok=False)
    assert "exists already" in duplicate.output
    assert cli("productstore", "create", "Gamma", "--identifier", "ean", ok=False).exit_code != 0
    assert audit_actions() == [("productstore.create", "cli", "cli", None)] * 2


def test_productstore_link_unlink_and_list(app, cli):
    create_shop("alpha.myshopify.com")
    store_id = last_line(cli("productstore", "create", "Alpha"))
    cli("productstore", "link", store_id, "Alpha.myshopify.com")
    shop = db.session.execute(select(Shop).where(Shop.domain == "alpha.myshopify.com")).scalar_one()
    assert shop.product_store_id == int(store_id)
    assert last_line(cli("productstore", "list")) == f"{store_id}\tAlpha\tsku\talpha.myshopify.com"
    assert "no product store with id 999" in cli("productstore", "link", "999", "alpha.myshopify.com", ok=False).output
    assert "no shop" in cli("productstore", "link", store_id, "nobody.myshopify.com", ok=False).output
    assert "no shop" in cli("productstore", "unlink", "nobody.myshopify.com", ok=False).output
    cli("productstore", "unlink", "alpha.myshopify.com")
    assert db.session.get(Shop, shop.id).product_store_id is None
    entries = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert [(e.action, e.actor_kind, e.shop_domain) for e in entries] == [
        ("productstore.create", "cli", None), ("productstore.link", "cli", "alpha.myshopify.com"),
        ("productstore.unlink", "cli", "alpha.myshopify.com")]
    assert entries[1].before is None and entries[1].after == {"product_store": "Alpha", "product_store_id": int(store_id)}
    assert entries[2].before == entries[1].after and entries[2].after is None


def test_apikey_create_for_a_store_prints_the_key_last_with_the_permissions_asked(app, cli):
    store_id = last_line(cli("productstore", "create", "Alpha"))
    key = last_line(cli("apikey", "create", "Alpha OMS", "--product-store", store_id,
                        "--permission", "read", "--permission", "write_inventory"))
    record = find_active_key(key)
    assert record.product_store_id == int(store_id)
    assert record.permission_set == {"read", "write_inventory"}
    full = find_active_key(last_line(cli("apikey", "create", "Alpha all", "--product-store", store_id)))
    assert full.permission_set == {"read", "write_inventory", "write_fulfillments", "write_returns"}
    legacy = find_active_key(last_line(cli("apikey", "create", "Everything")))
    assert legacy.all_stores and len(legacy.permission_set) == 4
    listing = cli("apikey", "list").output.splitlines()
    assert listing[0].split("\t")[3:] == [f"store {store_id} Alpha", "read write_inventory", "Alpha OMS"]
    assert listing[2].split("\t")[3:] == ["all stores", "read write_inventory write_fulfillments write_returns",
                                          "Everything"]
    assert key not in cli("apikey", "list").output
    entries = db.session.execute(select(AuditEntry).where(AuditEntry.action == "apikey.create")).scalars().all()
    assert len(entries) == 3 and {(e.actor_kind, e.actor) for e in entries} == {("cli", "cli")}
    assert entries[0].after["permissions"] == "read write_inventory" and key not in str(entries[0].after)


def test_apikey_create_refuses_an_unknown_permission_or_store(app, cli):
    bad = cli("apikey", "create", "x", "--permission", "write_everything", ok=False)
    assert "unknown permission" in bad.output
    assert "no product store with id 42" in cli("apikey", "create", "x", "--product-store", "42", ok=False).output
    assert db.session.execute(select(ApiKey)).first() is None
    assert audit_actions() == []


def test_apikey_revoke_is_audited(app, cli):
    key = last_line(cli("apikey", "create", "short-lived"))
    record_id = find_active_key(key).id
    cli("apikey", "revoke", str(record_id))
    assert find_active_key(key) is None
    assert [a for a, *_ in audit_actions()] == ["apikey.create", "apikey.revoke"]
    assert cli("apikey", "revoke", "999", ok=False).exit_code != 0
