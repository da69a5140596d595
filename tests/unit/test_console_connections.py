"""Find Shopify connections: what each row shows, the filters, search, favorites first,
paging, and a page read in a bounded number of statements at 10,000 shops."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from shopify_app.extensions import db
from shopify_app.models import OperatorFavorite, ProductStore, Shop, SyncRun
from tests.conftest import create_shop
from tests.console_support import (StatementCounter, cheap_password_hashing, make_operator,  # noqa: F401
                                   seed_shops, signed_in_token)

ROW = re.compile(r'<tr data-testid="connection" data-domain="([^"]+)" data-favorite="(true|false)">')


def domains(page: str) -> list[str]:
    return [domain for domain, _ in ROW.findall(page)]


@pytest.fixture
def client(app):
    make_operator()
    client = app.test_client()
    signed_in_token(client)
    return client


def add_shop(domain: str, name: str | None, **fields) -> Shop:
    shop = create_shop(f"{domain}.myshopify.com")
    shop.name = name
    for key, value in fields.items():
        setattr(shop, key, value)
    db.session.commit()
    return shop


def test_each_row_shows_name_domain_store_status_access_and_links_to_the_shop(app, client):
    store = ProductStore(name="Brand A", identifier="sku")
    db.session.add(store)
    db.session.flush()
    add_shop("alpha", "Alpha Goods", product_store_id=store.id, access_level="read")
    page = client.get("/console/").get_data(as_text=True)
    assert domains(page) == ["alpha.myshopify.com"]
    assert 'href="/console/shops/alpha.myshopify.com"' in page and "Alpha Goods" in page
    assert 'data-testid="store">Brand A<' in page
    assert 'data-testid="access">Read<' in page
    assert 'data-testid="status">Active<' in page


def test_the_status_is_derived_with_needs_reauthentication_and_filtered(app, client):
    add_shop("active", "A")
    add_shop("paused", "B", status="inactive")
    add_shop("gone", "C", status="uninstalled")
    add_shop("stale", "D", needs_reauth=True)
    page = client.get("/console/").get_data(as_text=True)
    for label in ("Active", "Inactive", "Uninstalled", "Needs re-authentication"):
        assert f'data-testid="status">{label}<' in page
    for status, domain in [("active", "active"), ("inactive", "paused"), ("uninstalled", "gone"),
                           ("needs_reauth", "stale")]:
        assert domains(client.get(f"/console/?status={status}").get_data(as_text=True)) == [f"{domain}.myshopify.com"]


def test_search_matches_name_or_domain_ignoring_case_and_wildcards(app, client):
    add_shop("north-wind", "Northwind Traders")
    add_shop("acme", "ACME Corp")
    add_shop("percent", "100% Cotton")
    assert domains(client.get("/console/?q=northWIND").get_data(as_text=True)) == ["north-wind.myshopify.com"]
    assert domains(client.get("/console/?q=acme.my").get_data(as_text=True)) == ["acme.myshopify.com"]
    assert domains(client.get("/console/?q=%25").get_data(as_text=True)) == ["percent.myshopify.com"]
    assert domains(client.get("/console/?q=_").get_data(as_text=True)) == []
    assert "No shop matches." in client.get("/console/?q=nothing-like-it").get_data(as_text=True)


def test_filter_by_product_store_or_none(app, client):
    store = ProductStore(name="Brand A", identifier="sku")
    db.session.add(store)
    db.session.flush()
    add_shop("in-store", "In", product_store_id=store.id)
    add_shop("loose", "Loose")
    assert domains(client.get(f"/console/?store={store.id}").get_data(as_text=True)) == ["in-store.myshopify.com"]
    assert domains(client.get("/console/?store=none").get_data(as_text=True)) == ["loose.myshopify.com"]


@pytest.mark.parametrize("query", ["status=gone", "store=abc", "page=0", "page=x"])
def test_a_filter_that_is_not_a_choice_answers_400(app, client, query):
    response = client.get(f"/console/?{query}")
    assert response.status_code == 400
    assert "must be" in response.get_data(as_text=True)


def test_favorites_come_first_only_for_their_operator_and_can_be_the_only_ones(app, client):
    for name in ("Aardvark", "Badger", "Cheetah"):
        add_shop(name.lower(), name)
    cheetah = db.session.query(Shop).filter_by(name="Cheetah").one()
    db.session.add(OperatorFavorite(operator_id=1, shop_id=cheetah.id))
    db.session.commit()
    page = client.get("/console/").get_data(as_text=True)
    assert domains(page) == ["cheetah.myshopify.com", "aardvark.myshopify.com", "badger.myshopify.com"]
    assert ROW.findall(page)[0] == ("cheetah.myshopify.com", "true")
    assert domains(client.get("/console/?favorites=1").get_data(as_text=True)) == ["cheetah.myshopify.com"]
    make_operator("other@example.com", "staff")
    other = app.test_client()
    signed_in_token(other, "other@example.com")
    assert domains(other.get("/console/").get_data(as_text=True))[0] == "aardvark.myshopify.com"


def test_the_last_run_of_each_flow_is_shown_with_a_failure_mark(app, client):
    shop = add_shop("runner", "Runner")
    now = datetime.now(timezone.utc)
    db.session.add_all([
        SyncRun(shop_id=shop.id, flow="orders", trigger="schedule", status="succeeded", finished_at=now),
        SyncRun(shop_id=shop.id, flow="orders", trigger="schedule", status="failed", finished_at=now,
                error="Shopify refused the token"),
        SyncRun(shop_id=shop.id, flow="products", trigger="schedule", status="failed", finished_at=now),
        SyncRun(shop_id=shop.id, flow="products", trigger="manual", status="succeeded", finished_at=now),
        SyncRun(shop_id=shop.id, flow="products", trigger="manual", status="queued"),
    ])
    db.session.commit()
    page = client.get("/console/").get_data(as_text=True)
    assert 'data-testid="run-orders" data-status="failed"' in page
    assert 'title="Shopify refused the token"' in page and "✗" in page
    assert 'data-testid="run-products" data-status="succeeded"' in page
    assert 'data-testid="run-inventory"' not in page


MAX_STATEMENTS = 6  # the operator, the count, the page, its last runs, the stores, (a session write)


def test_a_page_at_ten_thousand_shops_is_read_in_a_bounded_number_of_statements(app, client):
    seed_shops(10_000, runs_per_shop=2)
    with StatementCounter(db.engine) as counter:
        response = client.get("/console/?page=3")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(domains(page)) == 50
    assert "Page 3 of 200" in page and "10000 shops" in page
    assert len(counter.statements) <= MAX_STATEMENTS, counter.statements
    with StatementCounter(db.engine) as counter:
        first = client.get("/console/?q=shop-0&store=none&status=needs_reauth").get_data(as_text=True)
    assert len(counter.statements) <= MAX_STATEMENTS
    assert all(int(d[5:10]) % 2 == 0 and int(d[5:10]) % 97 == 0 for d in domains(first))


def test_paging_moves_fifty_at_a_time_keeping_the_filters(app, client):
    seed_shops(120)
    first = client.get("/console/?q=shop").get_data(as_text=True)
    assert domains(first)[0] == "shop-00119.myshopify.com"  # the favorite
    assert domains(first)[1:3] == ["shop-00000.myshopify.com", "shop-00001.myshopify.com"]
    assert 'href="/console/?q=shop&amp;page=2"' in first
    third = client.get("/console/?q=shop&page=3").get_data(as_text=True)
    assert len(domains(third)) == 20 and 'data-testid="next"' not in third
    beyond = client.get("/console/?q=shop&page=99").get_data(as_text=True)
    assert "Page 3 of 3" in beyond
