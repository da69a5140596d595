"""Sync bookkeeping: each flow's state per shop (switch, interval, cursor, lease) and every run."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, Boolean, Column, Float, ForeignKey, Index, Integer, LargeBinary, String, Table, Text, Unicode,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class FlowState(Base):
    """One row per shop and flow. The lease columns make one run at a time per shop
    and flow across every scheduler process on every machine."""

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


class SchedulerLock(Base):
    """A named lock with an expiry: the scheduler processes elect their leader with it."""

    __tablename__ = "scheduler_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(255))
    acquired_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]


# APScheduler 3's SQLAlchemyJobStore table, declared as the job store declares it
# (apscheduler/jobstores/sqlalchemy.py) so that migrations create it.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
