"""the webhook ledger keeps each body's digest (its verified X-Shopify-Hmac-Sha256), indexed:
a signed body first recorded for one shop is never applied to another

Revision ID: 0012_webhook_body_digest
Revises: 0011_merge
"""
from alembic import op
import sqlalchemy as sa


revision = "0012_webhook_body_digest"
down_revision = "0011_merge"
branch_labels = None
depends_on = None

INDEX = "ix_webhook_deliveries_body_digest"


def upgrade():
    # Nullable and without a default: rows recorded before keep NULL (nothing to judge
    # them by), and PostgreSQL adds the column without rewriting the table.
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_digest", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # The ledger is never pruned and the door writes to it all the time: a plain
        # CREATE INDEX would hold its inserts for the whole build (Shopify times out and
        # retries). CONCURRENTLY cannot run in a transaction, hence the autocommit block.
        with op.get_context().autocommit_block():
            op.create_index(INDEX, "webhook_deliveries", ["body_digest"], unique=False,
                            postgresql_concurrently=True)
    else:
        with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
            batch_op.create_index(INDEX, ["body_digest"], unique=False)


def downgrade():
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.drop_column("body_digest")
