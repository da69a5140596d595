"""mappings (Shopify values and OMS values) and the scheduler's tables (leader lock, APScheduler job store)

Revision ID: 0002_mappings
Revises: 0001_foundation
Create Date: 2026-11-23 18:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0002_mappings"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mapping_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("shopify_value", sa.String(length=255), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=True),
        sa.Column("oms_value", sa.String(length=64), nullable=True),
        sa.Column("oms_carrier", sa.String(length=64), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mapped_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_mapping_values_shop_id_shops"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_values")),
        sa.UniqueConstraint("shop_id", "kind", "shopify_value", name=op.f("uq_mapping_values_shop_id_kind_shopify_value")),
    )
    with op.batch_alter_table("mapping_values", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mapping_values_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "oms_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_oms_values_shop_id_shops"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oms_values")),
        sa.UniqueConstraint("shop_id", "kind", "value", name=op.f("uq_oms_values_shop_id_kind_value")),
    )
    with op.batch_alter_table("oms_values", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oms_values_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "scheduler_locks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_locks")),
    )
    op.bulk_insert(
        sa.table("scheduler_locks", sa.column("name", sa.String)),
        [{"name": "scheduler-leader"}],
    )

    # APScheduler 3's SQLAlchemyJobStore table, exactly as the job store declares it.
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apscheduler_jobs")),
    )
    with op.batch_alter_table("apscheduler_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apscheduler_jobs_next_run_time"), ["next_run_time"], unique=False)


def downgrade():
    with op.batch_alter_table("apscheduler_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apscheduler_jobs_next_run_time"))
    op.drop_table("apscheduler_jobs")
    op.drop_table("scheduler_locks")
    with op.batch_alter_table("oms_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oms_values_shop_id"))
    op.drop_table("oms_values")
    with op.batch_alter_table("mapping_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mapping_values_shop_id"))
    op.drop_table("mapping_values")
