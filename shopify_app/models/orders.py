"""Orders downloaded from Shopify, with their lines, ready for the OMS to broker.

Keyed by (shop_id, shopify_id). `shopify_updated_at` is the version: a webhook
and a pull racing on the same order keep the newer one. `broker_status` is the
brokering queue the OMS reads: new orders enter it as `queued`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_id"),
        Index("ix_orders_shop_id_updated_at", "shop_id", "updated_at"),
        Index("ix_orders_shop_id_broker_status", "shop_id", "broker_status"),
        Index("ix_orders_shop_id_customer_id", "shop_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    shopify_id: Mapped[str] = mapped_column(String(64))  # gid://shopify/Order/...
    name: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(64))  # gid://shopify/Customer/...
    customer: Mapped[dict | None] = mapped_column(JSON)
    shipping_address: Mapped[dict | None] = mapped_column(JSON)
    billing_address: Mapped[dict | None] = mapped_column(JSON)
    shipping_lines: Mapped[list | None] = mapped_column(JSON)
    payment_gateways: Mapped[list | None] = mapped_column(JSON)
    source_name: Mapped[str | None] = mapped_column(String(255))
    channel: Mapped[str | None] = mapped_column(String(255))  # the Shopify value the mapping reads
    # Through the mappings; None with the value listed in `unmapped` when not mapped yet.
    sales_channel: Mapped[str | None] = mapped_column(String(255))
    payment_method: Mapped[str | None] = mapped_column(String(255))
    shipping_method: Mapped[str | None] = mapped_column(String(255))
    shipping_carrier: Mapped[str | None] = mapped_column(String(255))  # mapped with the shipping method
    unmapped: Mapped[dict | None] = mapped_column(JSON)
    discounts: Mapped[list | None] = mapped_column(JSON)
    tax_lines: Mapped[list | None] = mapped_column(JSON)
    totals: Mapped[dict | None] = mapped_column(JSON)
    currency: Mapped[str | None] = mapped_column(String(8))
    financial_status: Mapped[str | None] = mapped_column(String(32))
    fulfillment_status: Mapped[str | None] = mapped_column(String(32))
    fulfillment_orders: Mapped[list | None] = mapped_column(JSON)
    refunds: Mapped[list | None] = mapped_column(JSON)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(64))
    closed: Mapped[bool | None] = mapped_column(Boolean)
    has_placeholder_products: Mapped[bool] = mapped_column(Boolean, default=False)
    processed_at: Mapped[datetime | None]
    shopify_created_at: Mapped[datetime | None]
    shopify_updated_at: Mapped[datetime | None]
    # The brokering queue: queued (new, for the OMS to broker) | brokered | rejected | completed |
    # cancelled, set by the OMS; a cancellation in Shopify sets `cancelled` (sync/orders/broker.py).
    broker_status: Mapped[str] = mapped_column(String(32), default="queued")
    queued_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_id"),
        Index("ix_order_lines_shop_id_order_shopify_id", "shop_id", "order_shopify_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    shopify_id: Mapped[str] = mapped_column(String(64))  # gid://shopify/LineItem/...
    order_shopify_id: Mapped[str] = mapped_column(String(64))
    product_shopify_id: Mapped[str | None] = mapped_column(String(64))
    variant_shopify_id: Mapped[str | None] = mapped_column(String(64))
    sku: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(Text)
    variant_title: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[int | None] = mapped_column(Integer)  # as ordered
    current_quantity: Mapped[int | None] = mapped_column(Integer)  # after edits and removals
    fulfillable_quantity: Mapped[int | None] = mapped_column(Integer)
    unfulfilled_quantity: Mapped[int | None] = mapped_column(Integer)
    refunded_quantity: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[str | None] = mapped_column(String(32))
    discounted_total: Mapped[str | None] = mapped_column(String(32))
    discounts: Mapped[list | None] = mapped_column(JSON)
    tax_lines: Mapped[list | None] = mapped_column(JSON)
    requires_shipping: Mapped[bool | None] = mapped_column(Boolean)
    # The product is deleted in Shopify or not downloaded yet: a flagged placeholder stands in.
    placeholder_product: Mapped[bool] = mapped_column(Boolean, default=False)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where the OMS brokered this line (`Facility.external_id`), set by POST /oms/v1/orders/{id}/status.
    facility_id: Mapped[str | None] = mapped_column(String(64))
    order_updated_at: Mapped[datetime | None]  # the order version this line came with
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
