"""The merchant's settings changes are in the audit log: who (the shop), what, before and after."""
from __future__ import annotations

from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import AuditEntry


def entries(action: str) -> list[AuditEntry]:
    return list(db.session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def test_an_access_level_change_is_audited_with_before_and_after(app, shop, auth_headers):
    response = app.test_client().patch("/api/shop", json={"access": "read"}, headers=auth_headers())
    assert response.status_code == 200
    [entry] = entries("shop.settings")
    assert (entry.actor_kind, entry.actor, entry.shop_domain) == ("merchant", shop.domain, shop.domain)
    assert entry.before["access"] == "read_write" and entry.after["access"] == "read"


def test_a_refused_change_is_not_audited(app, shop, auth_headers):
    response = app.test_client().patch("/api/shop", json={"upload_refunds": True}, headers=auth_headers())
    assert response.status_code == 403
    assert entries("shop.settings") == []


def test_a_flow_switch_is_audited(app, shop, auth_headers):
    response = app.test_client().patch("/api/sync/orders", json={"enabled": False, "interval_minutes": 10},
                                       headers=auth_headers())
    assert response.status_code == 200
    [entry] = entries("flow.settings")
    assert entry.actor_kind == "merchant" and entry.shop_domain == shop.domain
    assert entry.before == {"flow": "orders", "enabled": True, "interval_minutes": None}
    assert entry.after == {"flow": "orders", "enabled": False, "interval_minutes": 10}


def test_a_mapping_change_is_audited_and_a_refused_one_is_not(app, shop, auth_headers):
    from shopify_app.sync import mappings

    mappings.invalidate()
    mappings.record_seen(shop, "product_type", ["Shirts"])
    db.session.commit()
    client = app.test_client()
    refused = client.put("/api/mappings/product_type", json={"mappings": [{"shopify_value": "Kits", "oms_value": "KIT"}]},
                         headers=auth_headers())
    assert refused.status_code == 422
    assert entries("mappings.change") == []
    ok = client.put("/api/mappings/product_type", json={"mappings": [{"shopify_value": "Shirts",
                                                                      "oms_value": "FINISHED_GOOD"}]},
                    headers=auth_headers())
    assert ok.status_code == 200, ok.json
    [entry] = entries("mappings.change")
    assert entry.actor_kind == "merchant" and entry.shop_domain == shop.domain
    assert entry.before == {"kind": "product_type", "mappings": {"Shirts": None}}
    assert entry.after == {"kind": "product_type", "mappings": {"Shirts": "FINISHED_GOOD"}}
    mappings.invalidate()


def test_a_location_change_is_audited(app, shop, auth_headers):
    from shopify_app.models import Facility, Location

    location = Location(shop_id=shop.id, shopify_id="gid://shopify/Location/1", legacy_id="1", name="Main",
                        active=True)
    facility = Facility(shop_id=shop.id, external_id="WH-1", name="Warehouse")
    db.session.add_all([location, facility])
    db.session.commit()
    response = app.test_client().put("/api/locations/gid://shopify/Location/1", json={"facility_id": "WH-1"},
                                     headers=auth_headers())
    assert response.status_code == 200, response.json
    [entry] = entries("location.change")
    assert entry.before == {"location": "gid://shopify/Location/1", "facility_id": None}
    assert entry.after == {"location": "gid://shopify/Location/1", "facility_id": "WH-1"}


def test_creating_a_facility_from_a_location_is_audited(app, shop, auth_headers):
    from shopify_app.models import Location

    db.session.add(Location(shop_id=shop.id, shopify_id="gid://shopify/Location/7", legacy_id="7", name="Depot",
                            active=True))
    db.session.commit()
    response = app.test_client().post("/api/locations/gid://shopify/Location/7/facility", headers=auth_headers())
    assert response.status_code == 201, response.json
    [entry] = entries("location.create_facility")
    assert entry.actor_kind == "merchant" and entry.shop_domain == shop.domain
    assert entry.after == {"location": "gid://shopify/Location/7", "facility_id": response.json["facility_id"]}
