"""Merge the mappings, catalog/orders and inventory/fulfillments branches.

Revision ID: 0005_merge
Revises: 0002_mappings, 0003_catalog_orders, 0004_inventory_fulfillments
Create Date: 2026-11-23 19:00:00
"""

revision = "0005_merge"
down_revision = ("0002_mappings", "0003_catalog_orders", "0004_inventory_fulfillments")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
