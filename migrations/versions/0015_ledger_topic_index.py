"""the webhook ledger drops its index on topic alone: a few dozen values over millions of
rows, read only by the batch claim, which filters on status first (its own index); the
door pays for every index on each insert

Revision ID: 0015_ledger_topic_index
Revises: 0014_unkeyed_email_hashes
"""
from alembic import op


revision = "0015_ledger_topic_index"
down_revision = "0014_unkeyed_email_hashes"
branch_labels = None
depends_on = None

INDEX = "ix_webhook_deliveries_topic"


def upgrade():
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(INDEX)


def downgrade():
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(INDEX, ["topic"], unique=False)
