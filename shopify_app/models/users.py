"""Who may call the app from outside Shopify: OMS API keys, each for one product store or for all."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


# What a key may do; a key made before permissions existed has them all.
PERMISSIONS = ("read", "write_inventory", "write_fulfillments", "write_returns")


class ApiKey(Base):
    """An OMS REST API key; only its SHA-256 is stored. Without a product store it is an
    all-stores key (every key made before product stores existed is one)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    product_store_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_stores.id", ondelete="CASCADE"), index=True)
    # Space-separated names from PERMISSIONS.
    permissions: Mapped[str] = mapped_column(String(255), default=" ".join(PERMISSIONS))

    @property
    def permission_set(self) -> frozenset[str]:
        return frozenset((self.permissions or "").split())

    @property
    def all_stores(self) -> bool:
        return self.product_store_id is None
