"""Sync bookkeeping: each flow's state per shop (switch, interval, cursor, lease) and every run."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class FlowState(Base):
    """One row per shop and flow. The lease columns make one run at a time per shop
    and flow across every worker process on every machine."""

    __tablename__ = "flow_states"
    __table_args__ = (UniqueConstraint("shop_id", "flow"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    flow: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_minutes: Mapped[int | None] = mapped_column(Integer)  # None: the flow's default
    # Where the last committed run got to (e.g. an updated_at high-water mark).
    cursor: Mapped[str | None] = mapped_column(Text)
    # Flow-specific state that must survive a crash (e.g. a running bulk operation id).
    state: Mapped[dict] = mapped_column(JSON, default=dict)
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None]
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    # When the clock next queues a scheduled run (a new flow state: now). Indexed: a tick
    # reads only the flows that are due (an index range), whatever the number of shops.
    next_due_at: Mapped[datetime | None] = mapped_column(index=True, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SyncRun(Base):
    """Every run of a flow for a shop, with its outcome. At most one queued run per shop
    and flow (a unique partial index): queueing is atomic across processes."""

    __tablename__ = "sync_runs"
    __table_args__ = (
        Index("uq_sync_runs_one_queued", "shop_id", "flow", unique=True,
              sqlite_where=text("status = 'queued'"), postgresql_where=text("status = 'queued'")),
        # The console's last run of each flow of a shop: read backwards from the newest.
        Index("ix_sync_runs_shop_id_flow_id", "shop_id", "flow", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    flow: Mapped[str] = mapped_column(String(32), index=True)
    # schedule | manual | webhook | reconcile
    trigger: Mapped[str] = mapped_column(String(16))
    # queued | running | succeeded | failed | skipped
    status: Mapped[str] = mapped_column(String(16), index=True)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    progress: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    bulk_operation_id: Mapped[str | None] = mapped_column(String(255))
    cursor_before: Mapped[str | None] = mapped_column(Text)
    cursor_after: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(255))
    # When the clock last sent a queued run's task (None: not yet; sent again if the
    # task went quiet: its message was lost).
    dispatched_at: Mapped[datetime | None]
