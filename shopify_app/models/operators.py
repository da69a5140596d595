"""The OMS operators who use the console, and the shops each keeps as favorites."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

ROLES = ("super_user", "staff")


class Operator(Base):
    __tablename__ = "operators"
    __table_args__ = (CheckConstraint("role IN ('super_user', 'staff')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, never the password
    role: Mapped[str] = mapped_column(String(16), default="staff")
    disabled_at: Mapped[datetime | None]
    # The TOTP secret is Fernet ciphertext (shopify_app.crypto), like the shops' tokens.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    @property
    def is_super_user(self) -> bool:
        return self.role == "super_user"

    def __repr__(self) -> str:
        return f"<Operator {self.id} {self.role}>"


class OperatorFavorite(Base):
    __tablename__ = "operator_favorites"

    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
