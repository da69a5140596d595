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
