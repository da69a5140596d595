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
    # A plain CREATE INDEX, in the migration's transaction with the column: CONCURRENTLY
    # would wait for every other transaction, including the processes starting beside this
    # one that wait for the migration lock (shopify_app/db_setup.py), which wait for it. The
    # build holds the ledger's inserts meanwhile: deliveries wait (Shopify retries what
    # times out), none is lost.
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(INDEX, ["body_digest"], unique=False)


def downgrade():
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.drop_column("body_digest")
