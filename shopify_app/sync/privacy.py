"""The mandatory compliance requests: what we hold about a customer, and erasing it.

Every model that keeps personal data registers how to export and erase it here,
so that the compliance webhooks never forget a table. A redaction also reaches the
copies no model owns: payloads kept in the webhook ledger (failed, dead, rejected
or waiting deliveries), earlier data requests' exports, and deliveries applied
after it that carry data from before it (see reapply_redactions).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, or_, select

from ..extensions import app_settings, db
from ..models import Base, ComplianceRequest, OAuthState, Shop, WebhookDelivery
from ..shopify.times import parse_time, parse_time_or_none
from . import mappings
from .orders import privacy as order_privacy
from .returns import privacy as return_privacy
from .privacy_match import (Customer, CustomerRef, OrderIdAt, derive_email_key, email_digest, matching_email,
                            names_customer)

REDACTED_NOTE = "payload erased by a customer redaction"


@dataclass(frozen=True)
class RecordKeeper:
    export: Callable[[CustomerRef], object]  # the JSON-able data held about the customer
    redact: Callable[[CustomerRef], int]  # erases it; the number of records redacted


# Every table that keeps a customer's personal data, and how to export and erase it:
# a new one is listed here, or the compliance webhooks forget it.
RECORD_KEEPERS: dict[str, RecordKeeper] = {
    # before "orders" (keepers run in name order): it finds the customer's orders first
    "order_returns": RecordKeeper(return_privacy.export_customer, return_privacy.redact_customer),
    "orders": RecordKeeper(order_privacy.export_customer, order_privacy.redact_customer),
}


def customer_data(ref: CustomerRef) -> dict:
    return {name: keeper.export(ref) for name, keeper in sorted(RECORD_KEEPERS.items())}


def redact_customer(ref: CustomerRef, order_id_at: OrderIdAt) -> dict[str, int]:
    """Erase the customer everywhere: the registered tables, the ledger (whose bodies hold
    their orders' ids where `order_id_at` says), the exports."""
    counts = {name: keeper.redact(ref) for name, keeper in sorted(RECORD_KEEPERS.items())}
    counts["webhook_deliveries"] = scrub_ledger(ref, order_id_at)
    counts["data_request_exports"] = scrub_exports(ref)
    return counts


def email_key() -> bytes:
    """The key of the email digests the compliance records keep (from SECRET_KEY)."""
    return derive_email_key(app_settings.current.secret_key)


def _customer(ref: CustomerRef) -> Customer:
    key = email_key()
    return Customer(ref.customer_id, email_digest(ref.email, key), frozenset(ref.order_ids), key)


def scrub_ledger(ref: CustomerRef, order_id_at: OrderIdAt) -> int:
    """Erase the payload of every delivery still kept for the shop that names the customer.

    The row stays (its webhook id keeps de-duplicating Shopify's retries); with no
    payload, the scheduler never retries it, so no retry can bring the data back.
    """
    customer = _customer(ref)
    domain = ref.shop.domain if ref.shop is not None else None
    if domain is None:
        return 0
    rows = db.session.execute(
        select(WebhookDelivery).where(WebhookDelivery.shop_domain == domain, WebhookDelivery.payload.is_not(None))
    ).scalars()
    scrubbed = 0
    for delivery in rows:
        if names_customer(delivery.topic, delivery.payload, customer, order_id_at):
            delivery.payload = None
            delivery.status = "redacted"
            delivery.error = REDACTED_NOTE  # an error text may have quoted the payload
            scrubbed += 1
    return scrubbed


def scrub_exports(ref: CustomerRef) -> int:
    """Erase earlier data requests' exports (and emails) about the customer."""
    if ref.shop is None:
        return 0
    about = []
    if ref.customer_id:
        about.append(ComplianceRequest.customer_id == ref.customer_id)
    digest = email_digest(ref.email, email_key())
    if digest:
        about.append(ComplianceRequest.customer_email_sha256 == digest)
    if not about:
        return 0
    records = db.session.execute(select(ComplianceRequest).where(
        ComplianceRequest.shop_domain == ref.shop.domain,
        ComplianceRequest.topic == "customers/data_request",
        ComplianceRequest.purged_at.is_(None),
        or_(*about),
    )).scalars()
    scrubbed = 0
    for record in records:
        purge_export(record)
        scrubbed += 1
    return scrubbed


REDACTED = "redacted"


class RedactedCustomers:
    """The customers of a shop whose redaction was applied, to show nothing personal of
    them: by customer id and by email digest (the redaction keeps no email)."""

    def __init__(self, shop_domain: str):
        rows = db.session.execute(
            select(ComplianceRequest.customer_id, ComplianceRequest.customer_email_sha256).where(
                ComplianceRequest.shop_domain == shop_domain, ComplianceRequest.topic == "customers/redact",
                ComplianceRequest.completed_at.is_not(None))).all()
        self.ids = {cid for cid, _ in rows if cid}
        self.digests = {digest for _, digest in rows if digest}

    def covers(self, record: ComplianceRequest) -> bool:
        """Whether `record` is about a customer whose redaction was applied (a redaction
        itself included)."""
        if record.topic == "customers/redact":
            return record.completed_at is not None
        return bool((record.customer_id and record.customer_id in self.ids)
                    or (record.customer_email_sha256 and record.customer_email_sha256 in self.digests))


def purge_export(record: ComplianceRequest, now: datetime | None = None) -> None:
    record.result = None
    record.customer_email = None
    record.purged_at = now or datetime.now(timezone.utc)


def reapply_redactions(shop: Shop | None, topic: str, payload: dict, triggered_at: str | None,
                       received_at: datetime | None, order_id_at: OrderIdAt) -> int:
    """After a delivery was applied: redact again every customer it names whose redaction
    came after the delivery's data was produced (a retry of a delivery received before
    the redaction, or Shopify's late retry of an older event). Returns how many."""
    if shop is None or not isinstance(payload, dict):
        return 0
    produced = parse_time_or_none(triggered_at) or received_at
    query = select(ComplianceRequest).where(
        ComplianceRequest.shop_domain == shop.domain, ComplianceRequest.topic == "customers/redact")
    if produced is not None:
        query = query.where(ComplianceRequest.received_at >= produced)
    done = 0
    key = email_key()
    for record in db.session.execute(query).scalars():
        customer = Customer(record.customer_id, record.customer_email_sha256,
                            frozenset(str(o) for o in record.orders_requested or ()), key)
        if not names_customer(topic, payload, customer, order_id_at):
            continue
        ref = CustomerRef(shop=shop, customer_id=record.customer_id,
                          email=matching_email(payload, customer),
                          order_ids=tuple(sorted(customer.order_ids)))
        for keeper in RECORD_KEEPERS.values():
            keeper.redact(ref)
        done += 1
    return done


def reapply_redactions_to_batch(shop: Shop | None, topic: str,
                                deliveries: list[tuple[dict, str | None, datetime | None]],
                                order_id_at: OrderIdAt) -> int:
    """`reapply_redactions` for a batch of (payload, triggered_at, received_at): one
    query when no redaction came after the oldest of them (the usual case)."""
    if shop is None or not deliveries:
        return 0
    produced = [parse_time_or_none(triggered_at) or received_at for _, triggered_at, received_at in deliveries]
    query = select(ComplianceRequest.id).where(
        ComplianceRequest.shop_domain == shop.domain, ComplianceRequest.topic == "customers/redact")
    if all(p is not None for p in produced):
        query = query.where(ComplianceRequest.received_at >= min(parse_time(p) for p in produced))
    if db.session.execute(query.limit(1)).first() is None:
        return 0
    return sum(reapply_redactions(shop, topic, *delivery, order_id_at) for delivery in deliveries)


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
    mappings.invalidate(shop.id)  # its caches are keyed by shop id, which SQLite may reuse
    return counts
