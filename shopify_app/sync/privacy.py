"""The mandatory compliance requests: what we hold about a customer, and erasing it.

Every model that keeps personal data registers how to export and erase it here,
so that the compliance webhooks never forget a table.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete

from ..extensions import db
from ..models import Base, ComplianceRequest, OAuthState, Shop, WebhookDelivery


@dataclass(frozen=True)
class CustomerRef:
    shop: Shop
    customer_id: str | None
    email: str | None
    order_ids: tuple[str, ...]


# name -> function(CustomerRef) -> JSON-able data held about that customer
exporters: dict[str, Callable[[CustomerRef], object]] = {}
# name -> function(CustomerRef) -> number of records redacted
redactors: dict[str, Callable[[CustomerRef], int]] = {}


def register(name: str, export: Callable[[CustomerRef], object], redact: Callable[[CustomerRef], int]):
    exporters[name] = export
    redactors[name] = redact


def customer_data(ref: CustomerRef) -> dict:
    return {name: export(ref) for name, export in sorted(exporters.items())}


def redact_customer(ref: CustomerRef) -> dict[str, int]:
    return {name: redact(ref) for name, redact in sorted(redactors.items())}


def erase_shop(shop: Shop) -> dict[str, int]:
    """shop/redact: every row held for the shop, in every table with a shop_id, then the shop."""
    counts: dict[str, int] = {}
    for table in reversed(Base.metadata.sorted_tables):
        if "shop_id" in table.c:
            result = db.session.execute(delete(table).where(table.c.shop_id == shop.id))
            counts[table.name] = result.rowcount or 0
    domain = shop.domain
    counts["webhook_deliveries"] = db.session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.shop_domain == domain)
    ).rowcount or 0
    counts["compliance_requests"] = db.session.execute(
        delete(ComplianceRequest).where(
            ComplianceRequest.shop_domain == domain, ComplianceRequest.topic != "shop/redact"
        )
    ).rowcount or 0
    db.session.execute(delete(OAuthState).where(OAuthState.shop_domain == domain))
    db.session.delete(shop)
    counts["shops"] = 1
    from . import mappings  # its caches are keyed by shop id, which SQLite may reuse

    mappings.invalidate(shop.id)
    return counts
