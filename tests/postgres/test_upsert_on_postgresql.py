"""The batched upsert on PostgreSQL (COPY + INSERT ... SELECT for large batches): the same checks
as on SQLite, in tests/unit/test_upsert.py."""
from __future__ import annotations

from tests.unit.test_upsert import check_large_batches, check_upsert


def test_upsert_on_postgresql(pg_app):
    check_upsert(pg_app)


def test_large_batches_on_postgresql(pg_app):
    check_large_batches(pg_app)
