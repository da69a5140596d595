"""The audit log: every operator action and every merchant settings change. Never a secret."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

ACTOR_KINDS = ("operator", "merchant", "cli", "system")


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        CheckConstraint("actor_kind IN ('operator', 'merchant', 'cli', 'system')", name="actor_kind_known"),
        Index("ix_audit_entries_shop_id_at", "shop_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(255))  # an operator's email, a shop's domain, "cli"
    # The shop acted on; its domain is kept too, so the entry outlives the shop row.
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="SET NULL"))
    shop_domain: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
