"""redaction records written before the keyed email digest lose their plain sha256 of the
email: reversible against a list of addresses, it was still personal data, and it no
longer matches anything (the records still match by customer and order ids)

Revision ID: 0014_unkeyed_email_hashes
Revises: 0013_ledger_shop_index
"""
from alembic import op


revision = "0014_unkeyed_email_hashes"
down_revision = "0013_ledger_shop_index"
branch_labels = None
depends_on = None


def upgrade():
    # Every digest present now was written by the unkeyed code: the keyed one ships with this.
    op.execute("UPDATE compliance_requests SET customer_email_sha256 = NULL WHERE customer_email_sha256 IS NOT NULL")


def downgrade():
    pass  # what was erased stays erased
