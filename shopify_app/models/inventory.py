"""Locations, OMS facilities, available-to-promise (ATP) levels, and the ledger of
what Shopify holds (as far as we know) for each inventory item at each location."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Facility(Base):
    """An OMS facility. `external_id` is the id the OMS uses (`facility_id` in the API);
    it is unique across shops, so an inventory row names its shop through it."""

    __tablename__ = "facilities"
    __table_args__ = (UniqueConstraint("external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    address: Mapped[dict] = mapped_column(JSON, default=dict)
    # Its ATP counts towards the sellable total at the shop's default location.
    sells_online: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Location(Base):
    """A Shopify location, as last imported, and the facility it maps to (one to one)."""

    __tablename__ = "locations"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_id"),
        UniqueConstraint("facility_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    shopify_id: Mapped[str] = mapped_column(String(64))  # gid://shopify/Location/123
    legacy_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    address: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    fulfills_online_orders: Mapped[bool] = mapped_column(Boolean, default=False)
    # A store (point of sale): not a fulfilment service, does not fulfil online orders.
    pos: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id", ondelete="SET NULL"))
    # The location that takes online orders; tied to the OMS brokering queue.
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AtpLevel(Base):
    """Available to promise, per facility and SKU, as the OMS last sent it."""

    __tablename__ = "atp_levels"
    __table_args__ = (
        UniqueConstraint("facility_id", "sku"),
        Index("ix_atp_levels_shop_sku", "shop_id", "sku"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(255))
    atp: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PushedLevel(Base):
    """The ledger: per inventory item and location, what Shopify holds as far as we know
    (`quantity`), and what we last told it (`pushed_quantity`, `pushed_at`)."""

    __tablename__ = "pushed_levels"
    __table_args__ = (UniqueConstraint("shop_id", "inventory_item_id", "location_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    inventory_item_id: Mapped[str] = mapped_column(String(64))
    location_id: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    pushed_quantity: Mapped[int | None] = mapped_column(Integer)
    pushed_at: Mapped[datetime | None]
    observed_at: Mapped[datetime | None]
