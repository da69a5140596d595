"""order reconciliation reports; the facility the OMS brokered each order line to

Revision ID: 0007_reconciliation_reports
Revises: 0006_webhook_trust
"""
from alembic import op
import sqlalchemy as sa


revision = "0007_reconciliation_reports"
down_revision = "0006_webhook_trust"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reconciliation_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("days_checked", sa.Integer(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("stale", sa.Integer(), nullable=False),
        sa.Column("refetched", sa.Integer(), nullable=False),
        sa.Column("still_wrong", sa.Integer(), nullable=False),
        sa.Column("still_wrong_orders", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_reconciliation_reports_shop_id_shops"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_reports")),
    )
    with op.batch_alter_table("reconciliation_reports", schema=None) as batch_op:
        batch_op.create_index("ix_reconciliation_reports_shop_id_started_at", ["shop_id", "started_at"], unique=False)
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facility_id", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("facility_id")
    with op.batch_alter_table("reconciliation_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reconciliation_reports_shop_id_started_at")
    op.drop_table("reconciliation_reports")
