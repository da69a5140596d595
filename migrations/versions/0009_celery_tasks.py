"""Celery runs the work: the clock reads only the flows that are due (an indexed
`next_due_at`), a queued run records when its task was sent (`dispatched_at`), and the
hand-written scheduler's leader lock and shared APScheduler job store are dropped.

Revision ID: 0009_celery_tasks
Revises: 0008_merge
"""
from alembic import op
import sqlalchemy as sa


revision = "0009_celery_tasks"
down_revision = "0008_merge"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("flow_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_flow_states_next_due_at", ["next_due_at"], unique=False)
    # Every existing flow is due at the clock's first tick (which then spaces it by its interval).
    op.execute("UPDATE flow_states SET next_due_at = CURRENT_TIMESTAMP")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("apscheduler_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_apscheduler_jobs_next_run_time")
    op.drop_table("apscheduler_jobs")
    op.drop_table("scheduler_locks")


def downgrade():
    op.create_table(
        "scheduler_locks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_locks")),
    )
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apscheduler_jobs")),
    )
    with op.batch_alter_table("apscheduler_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_apscheduler_jobs_next_run_time", ["next_run_time"], unique=False)
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_column("dispatched_at")
    with op.batch_alter_table("flow_states", schema=None) as batch_op:
        batch_op.drop_index("ix_flow_states_next_due_at")
        batch_op.drop_column("next_due_at")
