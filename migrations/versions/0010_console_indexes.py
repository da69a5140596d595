"""the console's list of connections: the last run of each flow of a shop, read from an index

Revision ID: 0010_console_indexes
Revises: 0009_operators_and_stores
"""
from alembic import op


revision = "0010_console_indexes"
down_revision = "0009_operators_and_stores"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_sync_runs_shop_id_flow_id", "sync_runs", ["shop_id", "flow", "id"], unique=False)


def downgrade():
    op.drop_index("ix_sync_runs_shop_id_flow_id", table_name="sync_runs")
