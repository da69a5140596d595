"""The batched upsert on PostgreSQL (COPY + INSERT ... SELECT for large batches): the same checks
as on SQLite, in tests/unit/test_upsert.py."""
from __future__ import annotations

from tests.unit.test_upsert import (
    check_large_batches,
    check_only_if_changed_leaves_unchanged_rows_alone,
    check_upsert,
    check_written_counts_only_rows_the_database_wrote,
)


def test_upsert_on_postgresql(pg_app):
    check_upsert(pg_app)


def test_large_batches_on_postgresql(pg_app):
    check_large_batches(pg_app)


def test_written_counts_only_rows_the_database_wrote_on_postgresql(pg_app):
    check_written_counts_only_rows_the_database_wrote(pg_app)


def test_only_if_changed_leaves_unchanged_rows_alone_on_postgresql(pg_app):
    check_only_if_changed_leaves_unchanged_rows_alone(pg_app)
