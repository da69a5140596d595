"""at most one queued run per shop and flow: a unique partial index on sync_runs

Revision ID: 0007_one_queued_run
Revises: 0006_webhook_trust
"""
from alembic import op
import sqlalchemy as sa


revision = "0007_one_queued_run"
down_revision = "0006_webhook_trust"
branch_labels = None
depends_on = None

QUEUED = sa.text("status = 'queued'")


def upgrade():
    # Duplicates queued before the index existed: the oldest of each shop and flow stays
    # queued (it does the work), the others are recorded as skipped.
    op.execute(
        "UPDATE sync_runs SET status = 'skipped', finished_at = queued_at,"
        " error = 'a duplicate of an earlier queued run' WHERE status = 'queued' AND id NOT IN ("
        " SELECT MIN(id) FROM sync_runs WHERE status = 'queued' GROUP BY shop_id, flow)"
    )
    op.create_index("uq_sync_runs_one_queued", "sync_runs", ["shop_id", "flow"], unique=True,
                    sqlite_where=QUEUED, postgresql_where=QUEUED)


def downgrade():
    op.drop_index("uq_sync_runs_one_queued", table_name="sync_runs")
