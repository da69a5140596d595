"""the webhook ledger drops its index on shop_domain alone: the unique (shop_domain,
event_id) index already leads with it, and the door pays for every index on each insert

Revision ID: 0013_ledger_shop_index
Revises: 0012_webhook_body_digest
"""
from alembic import op


revision = "0013_ledger_shop_index"
down_revision = "0012_webhook_body_digest"
branch_labels = None
depends_on = None

INDEX = "ix_webhook_deliveries_shop_domain"


def upgrade():
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(INDEX)


def downgrade():
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(INDEX, ["shop_domain"], unique=False)
