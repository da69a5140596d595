"""Merge the branches that each revised 0008_merge (per-row shipping mappings; the console; Celery tasks).

Revision ID: 0011_merge
Revises: 0009_no_carrier_wtc, 0010_console_indexes, 0009_celery_tasks
Create Date: 2026-12-01 12:40:00
"""

revision = "0011_merge"
down_revision = ("0009_no_carrier_wtc", "0010_console_indexes", "0009_celery_tasks")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
