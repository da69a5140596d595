"""Fulfillment and return requests from the OMS, with their state and Shopify's answers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class FulfillmentRequest(Base):
    """One `POST /oms/v1/fulfillments`. `status`: pending | sending | fulfilled | failed.

    `parts` holds one entry per Shopify location the shipment is split across:
    `{"location_id", "line_items": [{"fulfillment_order_id", "id", "quantity", "line_item_id"}],
    "status": pending|sending|done, "fulfillment_id", "sending_at"}`.
    """

    __tablename__ = "fulfillment_requests"
    __table_args__ = (UniqueConstraint("shop_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(255))
    order_id: Mapped[str] = mapped_column(String(64))  # gid://shopify/Order/...
    lines: Mapped[list] = mapped_column(JSON, default=list)
    tracking: Mapped[dict | None] = mapped_column(JSON)
    notify_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    body_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    parts: Mapped[list] = mapped_column(JSON, default=list)
    fulfillment_ids: Mapped[list] = mapped_column(JSON, default=list)
    user_errors: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]


class ReturnRequest(Base):
    """One `POST /oms/v1/returns`. `status`: kept (upload off) | pending | sending | refunded | failed."""

    __tablename__ = "return_requests"
    __table_args__ = (UniqueConstraint("shop_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(255))
    order_id: Mapped[str] = mapped_column(String(64))
    lines: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    body: Mapped[dict] = mapped_column(JSON, default=dict)
    body_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="kept", index=True)
    refund_id: Mapped[str | None] = mapped_column(String(64))
    user_errors: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sending_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
