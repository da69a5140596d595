"""inventory and fulfillments: locations, facilities, ATP levels, the push ledger,
fulfillment and return requests

Revision ID: 0004_inventory_fulfillments
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa


revision = "0004_inventory_fulfillments"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def _ts(name, nullable=False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)



def upgrade():
    op.create_table(
        "facilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("sells_online", sa.Boolean(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_facilities_shop_id_shops"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilities")),
        sa.UniqueConstraint("external_id", name=op.f("uq_facilities_external_id")),
    )
    op.create_index(op.f("ix_facilities_shop_id"), "facilities", ["shop_id"])

    op.create_table(
        "locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("shopify_id", sa.String(length=64), nullable=False),
        sa.Column("legacy_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("fulfills_online_orders", sa.Boolean(), nullable=False),
        sa.Column("pos", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        _ts("imported_at"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_locations_shop_id_shops"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"], name=op.f("fk_locations_facility_id_facilities"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("shop_id", "shopify_id", name=op.f("uq_locations_shop_id_shopify_id")),
        sa.UniqueConstraint("facility_id", name=op.f("uq_locations_facility_id")),
    )
    op.create_index(op.f("ix_locations_shop_id"), "locations", ["shop_id"])

    op.create_table(
        "atp_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("atp", sa.Integer(), nullable=False),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_atp_levels_shop_id_shops"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"], name=op.f("fk_atp_levels_facility_id_facilities"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_atp_levels")),
        sa.UniqueConstraint("facility_id", "sku", name=op.f("uq_atp_levels_facility_id_sku")),
    )
    op.create_index(op.f("ix_atp_levels_shop_id"), "atp_levels", ["shop_id"])
    op.create_index("ix_atp_levels_shop_sku", "atp_levels", ["shop_id", "sku"])

    op.create_table(
        "pushed_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("inventory_item_id", sa.String(length=64), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("pushed_quantity", sa.Integer(), nullable=True),
        _ts("pushed_at", True),
        _ts("observed_at", True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_pushed_levels_shop_id_shops"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pushed_levels")),
        sa.UniqueConstraint("shop_id", "inventory_item_id", "location_id", name=op.f("uq_pushed_levels_shop_id_inventory_item_id_location_id")),
    )
    op.create_index(op.f("ix_pushed_levels_shop_id"), "pushed_levels", ["shop_id"])

    op.create_table(
        "fulfillment_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("tracking", sa.JSON(), nullable=True),
        sa.Column("notify_customer", sa.Boolean(), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("fulfillment_ids", sa.JSON(), nullable=False),
        sa.Column("user_errors", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("sent_at", True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_fulfillment_requests_shop_id_shops"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillment_requests")),
        sa.UniqueConstraint("shop_id", "external_id", name=op.f("uq_fulfillment_requests_shop_id_external_id")),
    )
    op.create_index(op.f("ix_fulfillment_requests_shop_id"), "fulfillment_requests", ["shop_id"])
    op.create_index(op.f("ix_fulfillment_requests_status"), "fulfillment_requests", ["status"])

    op.create_table(
        "return_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("refund_id", sa.String(length=64), nullable=True),
        sa.Column("user_errors", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("sending_at", True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_return_requests_shop_id_shops"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_requests")),
        sa.UniqueConstraint("shop_id", "external_id", name=op.f("uq_return_requests_shop_id_external_id")),
    )
    op.create_index(op.f("ix_return_requests_shop_id"), "return_requests", ["shop_id"])
    op.create_index(op.f("ix_return_requests_status"), "return_requests", ["status"])


def downgrade():
    for table in ("return_requests", "fulfillment_requests", "pushed_levels", "atp_levels", "locations", "facilities"):
        op.drop_table(table)
