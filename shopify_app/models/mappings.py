"""Mappings: Shopify values (sales channels, product types, payment gateways, shipping
methods) found per shop, each with the OMS value it maps to; and the OMS values a shop
added to the catalogue beside the built-in defaults (see shopify_app.sync.mappings)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow



@dataclass(frozen=True)
class MappingKind:
    """What the app says of a mapping kind wherever it lists the kinds."""
    catalogue: str  # the OMS catalogue kind (OMS_VALUE_KINDS) its values map to
    records: str  # the stored records that carry its mapped value: "orders" or "products"
    label: str  # its values, in words (the console's headings)


# The Shopify-side kinds the merchant maps: the one table of them (where each kind's
# values are met: sync/mappings/catalogue.py; README, "A new mapping kind").
MAPPING_KIND_TABLE: dict[str, MappingKind] = {
    "sales_channel": MappingKind("sales_channel", "orders", "Sales channels"),
    "product_type": MappingKind("product_type", "products", "Product types"),
    "payment_method": MappingKind("payment_method", "orders", "Payment methods"),
    "shipping_method": MappingKind("shipment_method", "orders", "Shipping methods"),
}
MAPPING_KINDS = tuple(MAPPING_KIND_TABLE)
# The OMS catalogue kinds.
OMS_VALUE_KINDS = ("sales_channel", "product_type", "payment_method", "shipment_method", "carrier")


class MappingValue(Base):
    """One Shopify value seen in a shop, and what it maps to in the OMS (None: unmapped)."""

    __tablename__ = "mapping_values"
    __table_args__ = (UniqueConstraint("shop_id", "kind", "shopify_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    shopify_value: Mapped[str] = mapped_column(String(255))
    # A readable name when the value itself is a code (e.g. the app behind a source name).
    label: Mapped[str | None] = mapped_column(String(255))
    # Where it was found: productTypes, order, publications, deliveryProfiles, manual.
    source: Mapped[str | None] = mapped_column(String(32))
    oms_value: Mapped[str | None] = mapped_column(String(64))
    # shipping_method only: the carrier of the OMS shipment method.
    oms_carrier: Mapped[str | None] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    mapped_at: Mapped[datetime | None]


class OmsValue(Base):
    """An OMS value a shop added to the catalogue (the defaults live in code)."""

    __tablename__ = "oms_values"
    __table_args__ = (UniqueConstraint("shop_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
