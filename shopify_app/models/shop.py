"""The shop: one record per Shopify store that installed the app."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .product_stores import ProductStore


class ShopStatus(str, enum.Enum):
    ACTIVE = "active"
    INACTIVE = "inactive"  # switched off by the OMS operator
    UNINSTALLED = "uninstalled"


class Shop(Base):
    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=ShopStatus.ACTIVE.value)
    access_level: Mapped[str] = mapped_column(String(16), default="none")
    granted_scopes: Mapped[str] = mapped_column(Text, default="")

    # Tokens are Fernet ciphertext (see shopify_app.crypto); never plaintext.
    access_token_encrypted: Mapped[str | None] = mapped_column(Text)
    access_token_expires_at: Mapped[datetime | None]
    refresh_token_encrypted: Mapped[str | None] = mapped_column(Text)
    refresh_token_expires_at: Mapped[datetime | None]
    needs_reauth: Mapped[bool] = mapped_column(Boolean, default=False)
    reauth_reason: Mapped[str | None] = mapped_column(Text)
    token_refreshed_at: Mapped[datetime | None]

    installed_at: Mapped[datetime | None]
    uninstalled_at: Mapped[datetime | None]

    # The shop's summary, as Shopify reports it. shopify_id (gid://shopify/Shop/N) lets
    # a webhook body's shop id be checked against the shop it claims to be about.
    shopify_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255))
    owner: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(8))
    currency: Mapped[str | None] = mapped_column(String(8))
    weight_unit: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    plan: Mapped[str | None] = mapped_column(String(64))
    summary_fetched_at: Mapped[datetime | None]

    # The product store (an OMS brand) the operator put this shop under; at most one.
    product_store_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_stores.id", ondelete="SET NULL"), index=True)
    # Loaded by a second SELECT, never joined: a joined load would put the store on the
    # nullable side of an outer join, which PostgreSQL refuses to lock (the token
    # refresh and rotation read the shop FOR UPDATE).
    product_store: Mapped[ProductStore | None] = relationship(lazy="selectin")
    # The merchant's settings for this connection (and the operator's: upload_refunds).
    settings: Mapped[dict] = mapped_column(JSON, default=dict)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def scopes(self) -> list[str]:
        return [s for s in (self.granted_scopes or "").split(",") if s]

    @property
    def is_active(self) -> bool:
        return self.status == ShopStatus.ACTIVE.value

    def __repr__(self) -> str:
        return f"<Shop {self.domain} {self.status} {self.access_level}>"


class OAuthState(Base):
    """A single-use nonce for the authorization-code flow."""

    __tablename__ = "oauth_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
