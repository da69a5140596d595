"""The catalog downloaded from Shopify: products and their variants.

Rows are keyed by (shop_id, shopify_id) — the Shopify GID — never by SKU: a SKU
shared by two variants or changed in Shopify never merges or duplicates items.
Deleted products and variants are marked (`deleted_at`), never removed.
A placeholder row stands for a product an order refers to before (or after)
the catalog has it; the real data replaces it when it arrives.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_id"),
        Index("ix_products_shop_id_updated_at", "shop_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    shopify_id: Mapped[str] = mapped_column(String(64))  # gid://shopify/Product/...
    title: Mapped[str | None] = mapped_column(Text)
    handle: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    vendor: Mapped[str | None] = mapped_column(String(255))
    product_type: Mapped[str | None] = mapped_column(String(255))  # as in Shopify
    oms_product_type: Mapped[str | None] = mapped_column(String(255))  # through the mapping
    product_type_unmapped: Mapped[bool] = mapped_column(Boolean, default=False)
    tags: Mapped[list | None] = mapped_column(JSON)
    status: Mapped[str | None] = mapped_column(String(16))  # ACTIVE | ARCHIVED | DRAFT
    options: Mapped[list | None] = mapped_column(JSON)
    images: Mapped[list | None] = mapped_column(JSON)
    shopify_updated_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    is_placeholder: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Variant(Base):
    __tablename__ = "variants"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_id"),
        Index("ix_variants_shop_id_product_shopify_id", "shop_id", "product_shopify_id"),
        Index("ix_variants_shop_id_sku", "shop_id", "sku"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    shopify_id: Mapped[str] = mapped_column(String(64))  # gid://shopify/ProductVariant/...
    product_shopify_id: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    sku: Mapped[str | None] = mapped_column(String(255))
    barcode: Mapped[str | None] = mapped_column(String(255))
    price: Mapped[str | None] = mapped_column(String(32))  # decimal as text, exact
    weight: Mapped[str | None] = mapped_column(String(32))
    weight_unit: Mapped[str | None] = mapped_column(String(16))
    inventory_item_id: Mapped[str | None] = mapped_column(String(64))
    selected_options: Mapped[list | None] = mapped_column(JSON)
    position: Mapped[int | None] = mapped_column(Integer)
    shopify_updated_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    is_placeholder: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
