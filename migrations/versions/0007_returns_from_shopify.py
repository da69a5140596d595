"""returns from Shopify: the shopify_returns table (lines, exchange lines, reverse
fulfillment, refunds tied to the return), versioned by the order's updatedAt

Revision ID: 0007_returns_from_shopify
Revises: 0006_webhook_trust
"""
from alembic import op
import sqlalchemy as sa


revision = "0007_returns_from_shopify"
down_revision = "0006_webhook_trust"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "shopify_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("shopify_id", sa.String(length=64), nullable=False),
        sa.Column("order_shopify_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total_quantity", sa.Integer(), nullable=True),
        sa.Column("lines", sa.JSON(), nullable=True),
        sa.Column("exchange_lines", sa.JSON(), nullable=True),
        sa.Column("reverse_fulfillment_orders", sa.JSON(), nullable=True),
        sa.Column("refunds", sa.JSON(), nullable=True),
        sa.Column("decline", sa.JSON(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("order_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_shopify_returns_shop_id_shops"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shopify_returns")),
        sa.UniqueConstraint("shop_id", "shopify_id", name=op.f("uq_shopify_returns_shop_id_shopify_id")),
    )
    with op.batch_alter_table("shopify_returns", schema=None) as batch_op:
        batch_op.create_index("ix_shopify_returns_shop_id_order_shopify_id", ["shop_id", "order_shopify_id"])
        batch_op.create_index("ix_shopify_returns_shop_id_updated_at", ["shop_id", "updated_at"])
        batch_op.create_index(batch_op.f("ix_shopify_returns_status"), ["status"])


def downgrade():
    op.drop_table("shopify_returns")
