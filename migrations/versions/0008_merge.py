"""Merge the branches that each revised 0006_webhook_trust.

Revision ID: 0008_merge
Revises: 0007_one_queued_run, 0007_returns_from_shopify, 0007_reconciliation_reports
Create Date: 2026-12-01 10:30:00
"""

revision = "0008_merge"
down_revision = ("0007_one_queued_run", "0007_returns_from_shopify", "0007_reconciliation_reports")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
