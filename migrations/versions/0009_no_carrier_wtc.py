""""No carrier" is one choice, none: carriers saved as the OFBiz-style "_NA_" become null

Revision ID: 0009_no_carrier_wtc
Revises: 0008_merge
"""
from alembic import op


revision = "0009_no_carrier_wtc"
down_revision = "0008_merge"
branch_labels = None
depends_on = None


def upgrade():
    # The carriers list offered "_NA_ (No carrier)" beside the empty choice; both meant none.
    op.execute("UPDATE mapping_values SET oms_carrier = NULL WHERE oms_carrier = '_NA_'")
    op.execute("UPDATE orders SET shipping_carrier = NULL WHERE shipping_carrier = '_NA_'")
    op.execute("DELETE FROM oms_values WHERE kind = 'carrier' AND value = '_NA_'")


def downgrade():
    pass  # none stays none
