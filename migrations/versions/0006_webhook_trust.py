"""webhook trust and redaction: event ids unique per shop, the shop's Shopify id,
redaction records without email (a hash), purge marks on compliance exports

Revision ID: 0006_webhook_trust
Revises: 0005_merge
"""
import hashlib

from alembic import op
import sqlalchemy as sa


revision = "0006_webhook_trust"
down_revision = "0005_merge"
branch_labels = None
depends_on = None


def upgrade():
    # Earlier duplicates of an event keep their row (their webhook id still de-duplicates
    # Shopify's retries) but lose the event id, so that the constraint can be created.
    op.execute(
        "UPDATE webhook_deliveries SET event_id = NULL WHERE event_id IS NOT NULL AND id NOT IN ("
        " SELECT MIN(id) FROM webhook_deliveries WHERE event_id IS NOT NULL GROUP BY shop_domain, event_id)"
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_webhook_deliveries_shop_domain_event_id"), ["shop_domain", "event_id"]
        )
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shopify_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("compliance_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_email_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_compliance_requests_customer_email_sha256"), ["customer_email_sha256"], unique=False
        )
    # A redaction's record keeps no email: only its hash (computed where the database can).
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, customer_email FROM compliance_requests WHERE topic = 'customers/redact' AND customer_email IS NOT NULL"
    )).all()
    for row_id, email in rows:
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        bind.execute(sa.text(
            "UPDATE compliance_requests SET customer_email = NULL, customer_email_sha256 = :h WHERE id = :i"
        ), {"h": digest, "i": row_id})


def downgrade():
    with op.batch_alter_table("compliance_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compliance_requests_customer_email_sha256"))
        batch_op.drop_column("purged_at")
        batch_op.drop_column("customer_email_sha256")
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_column("shopify_id")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_webhook_deliveries_shop_domain_event_id"), type_="unique")
