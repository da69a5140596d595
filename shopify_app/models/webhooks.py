"""The webhook ledger: every delivery received, keyed by X-Shopify-Webhook-Id
(and by X-Shopify-Event-Id within a shop, where Shopify sent one), with its body's
digest: the shop that first received a signed body is the one it belongs to."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    # One event is applied once per shop, whatever webhook ids it came under; rows
    # without an event id (NULL) never collide.
    __table_args__ = (UniqueConstraint("shop_domain", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(255), unique=True)
    # No index of its own: the batch claim, its one reader, filters on status first.
    topic: Mapped[str] = mapped_column(String(64))
    # Looked up by the unique (shop_domain, event_id) index, which leads with it.
    shop_domain: Mapped[str] = mapped_column(String(255))
    api_version: Mapped[str | None] = mapped_column(String(16))
    event_id: Mapped[str | None] = mapped_column(String(255))
    triggered_at: Mapped[str | None] = mapped_column(String(64))
    # X-Shopify-Hmac-Sha256 as verified: a keyed SHA-256 of the exact body, so the same
    # body always has the same digest. A body first recorded for another shop is a
    # replay under a forged X-Shopify-Shop-Domain (sync/webhooks/body_owners.py). NULL on rows
    # recorded before it was kept.
    body_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # received -> processed | failed | ignored | rejected (recorded, never applied: a body
    # that does not fit its topic or shop, a stale delivery, a destructive topic Shopify's
    # state contradicts) | redacted (a customer's redaction erased its payload) | held (the
    # shop was inactive: kept with its payload, applied in order when it is activated; past
    # DATA_RETENTION_DAYS the payload is purged and it is ignored)
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None]
    # Kept only until processed: payloads carry personal data. None is SQL NULL (not the
    # JSON value null): an erased payload is no payload, for `payload IS NULL` too.
    payload: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))


class ComplianceRequest(Base):
    """customers/data_request, customers/redact and shop/redact, as received and answered."""

    __tablename__ = "compliance_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    # Kept for a data request (the merchant must know whom it is about) until the export
    # is purged or the customer redacted; never for a redaction, which keeps only a hash.
    customer_email: Mapped[str | None] = mapped_column(String(255))
    # HMAC-SHA256 of the email under a key derived from SECRET_KEY (sync/privacy_match.py),
    # not a plain sha256 since the column was named: that one a list of candidate emails reverses.
    customer_email_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    orders_requested: Mapped[list | None] = mapped_column(JSON)
    data_request_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    # For a data request: the customer's data we held, produced for the merchant; erased
    # after the retention period or when the customer is redacted (then purged_at is set).
    result: Mapped[dict | None] = mapped_column(JSON)
    purged_at: Mapped[datetime | None]
