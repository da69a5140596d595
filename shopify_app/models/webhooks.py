"""The webhook ledger: every delivery received, keyed by X-Shopify-Webhook-Id."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(255), unique=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    api_version: Mapped[str | None] = mapped_column(String(16))
    event_id: Mapped[str | None] = mapped_column(String(255))
    triggered_at: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # received -> processed | failed | ignored
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None]
    # Kept only until processed: payloads carry personal data.
    payload: Mapped[dict | None] = mapped_column(JSON)


class ComplianceRequest(Base):
    """customers/data_request, customers/redact and shop/redact, as received and answered."""

    __tablename__ = "compliance_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    customer_email: Mapped[str | None] = mapped_column(String(255))
    orders_requested: Mapped[list | None] = mapped_column(JSON)
    data_request_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    # For a data request: the customer's data we hold, produced for the merchant.
    result: Mapped[dict | None] = mapped_column(JSON)
