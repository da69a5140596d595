"""The daily order reconciliation's reports: per shop, what Shopify counted day by
day against what we held, and what was re-fetched to repair the difference."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class ReconciliationReport(Base):
    __tablename__ = "reconciliation_reports"
    __table_args__ = (Index("ix_reconciliation_reports_shop_id_started_at", "shop_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    days_checked: Mapped[int] = mapped_column(Integer, default=0)
    # [{"day", "shopify_created", "held_created", "shopify_updated", "held_updated", "compared"}]
    days: Mapped[list] = mapped_column(JSON, default=list)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    stale: Mapped[int] = mapped_column(Integer, default=0)
    refetched: Mapped[int] = mapped_column(Integer, default=0)
    still_wrong: Mapped[int] = mapped_column(Integer, default=0)
    # [{"id", "name", "reason"}]: what a re-fetch did not repair
    still_wrong_orders: Mapped[list] = mapped_column(JSON, default=list)
