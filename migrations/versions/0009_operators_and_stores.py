"""product stores (shops and API keys belong to one), operators and their favorites, the audit log

Revision ID: 0009_operators_and_stores
Revises: 0008_merge
"""
from alembic import op
import sqlalchemy as sa


revision = "0009_operators_and_stores"
down_revision = "0008_merge"
branch_labels = None
depends_on = None

ALL_PERMISSIONS = "read write_inventory write_fulfillments write_returns"


def upgrade():
    op.create_table(
        "product_stores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("identifier", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("identifier IN ('sku', 'barcode', 'product_id')",
                           name=op.f("ck_product_stores_identifier_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_stores")),
        sa.UniqueConstraint("name", name=op.f("uq_product_stores_name")),
    )
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totp_secret_encrypted", sa.Text(), nullable=True),
        sa.Column("totp_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('super_user', 'staff')", name=op.f("ck_operators_role_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("email", name=op.f("uq_operators_email")),
    )
    op.create_table(
        "operator_favorites",
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"],
                                name=op.f("fk_operator_favorites_operator_id_operators"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_operator_favorites_shop_id_shops"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("operator_id", "shop_id", name=op.f("pk_operator_favorites")),
    )
    op.create_index(op.f("ix_operator_favorites_shop_id"), "operator_favorites", ["shop_id"], unique=False)
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=True),
        sa.Column("shop_domain", sa.String(length=255), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.CheckConstraint("actor_kind IN ('operator', 'merchant', 'cli', 'system')",
                           name=op.f("ck_audit_entries_actor_kind_known")),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_audit_entries_shop_id_shops"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index(op.f("ix_audit_entries_at"), "audit_entries", ["at"], unique=False)
    op.create_index(op.f("ix_audit_entries_action"), "audit_entries", ["action"], unique=False)
    op.create_index("ix_audit_entries_shop_id_at", "audit_entries", ["shop_id", "at"], unique=False)

    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_store_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_shops_product_store_id"), ["product_store_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_shops_product_store_id_product_stores"), "product_stores",
                                    ["product_store_id"], ["id"], ondelete="SET NULL")
    # The merchant typed a product store's name before; each name becomes a store.
    op.execute("INSERT INTO product_stores (name, identifier, created_at) "
               "SELECT DISTINCT TRIM(product_store), 'sku', CURRENT_TIMESTAMP FROM shops "
               "WHERE product_store IS NOT NULL AND TRIM(product_store) <> ''")
    op.execute("UPDATE shops SET product_store_id = (SELECT id FROM product_stores "
               "WHERE product_stores.name = TRIM(shops.product_store)) WHERE product_store IS NOT NULL")
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_column("product_store")

    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_store_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("permissions", sa.String(length=255), nullable=False,
                                      server_default=ALL_PERMISSIONS))
        batch_op.create_index(batch_op.f("ix_api_keys_product_store_id"), ["product_store_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_api_keys_product_store_id_product_stores"), "product_stores",
                                    ["product_store_id"], ["id"], ondelete="CASCADE")


def downgrade():
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_api_keys_product_store_id_product_stores"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_api_keys_product_store_id"))
        batch_op.drop_column("permissions")
        batch_op.drop_column("product_store_id")
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_store", sa.String(length=255), nullable=True))
    op.execute("UPDATE shops SET product_store = (SELECT name FROM product_stores "
               "WHERE product_stores.id = shops.product_store_id)")
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_shops_product_store_id_product_stores"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_shops_product_store_id"))
        batch_op.drop_column("product_store_id")
    op.drop_index("ix_audit_entries_shop_id_at", table_name="audit_entries")
    op.drop_index(op.f("ix_audit_entries_action"), table_name="audit_entries")
    op.drop_index(op.f("ix_audit_entries_at"), table_name="audit_entries")
    op.drop_table("audit_entries")
    op.drop_index(op.f("ix_operator_favorites_shop_id"), table_name="operator_favorites")
    op.drop_table("operator_favorites")
    op.drop_table("operators")
    op.drop_table("product_stores")
