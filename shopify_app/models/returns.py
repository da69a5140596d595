"""Returns read from Shopify (a customer's request, the merchant's approval, decline,
close or reopen), with their lines, exchange lines, reverse fulfillment (restocking)
and the refunds tied to them.

A table of their own, not rows of `ReturnRequest`: a `ReturnRequest` is a command the
OMS posted (keyed by the OMS's `external_id`, carrying its body hash and the state of
pushing its refund up), while a `ShopifyReturn` is a mirror of Shopify's state (keyed
by the Return's gid, versioned by its order's `updatedAt`, rewritten whole by every
pull and webhook). Different keys, writers and lifecycles; `GET /oms/v1/returns` reads
both. Keyed by (shop_id, shopify_id); `order_updated_at` is the version: an older
order version never overwrites a newer one.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class ShopifyReturn(Base):
    __tablename__ = "shopify_returns"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_id"),
        Index("ix_shopify_returns_shop_id_order_shopify_id", "shop_id", "order_shopify_id"),
        Index("ix_shopify_returns_shop_id_updated_at", "shop_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    shopify_id: Mapped[str] = mapped_column(String(64))  # gid://shopify/Return/...
    order_shopify_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(64))
    # requested | open | closed | declined | canceled (Shopify's ReturnStatus, lower case)
    status: Mapped[str] = mapped_column(String(16), index=True)
    total_quantity: Mapped[int | None] = mapped_column(Integer)
    # [{id, line_item_id, quantity, reason, reason_note, customer_note, processed_quantity, refunded_quantity}]
    lines: Mapped[list | None] = mapped_column(JSON)
    exchange_lines: Mapped[list | None] = mapped_column(JSON)  # [{id, variant_id, sku, title, quantity, ...}]
    # [{id, status, lines: [{id, line_item_id, quantity, restocked, not_restocked, dispositions}]}]
    reverse_fulfillment_orders: Mapped[list | None] = mapped_column(JSON)
    refunds: Mapped[list | None] = mapped_column(JSON)  # the order's refund rows tied to this return
    decline: Mapped[dict | None] = mapped_column(JSON)  # {reason, note}
    requested_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    order_updated_at: Mapped[datetime | None]  # the order version this return came with
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
