"""Queueing a run is atomic on PostgreSQL too: many threads and several processes queueing
the same shop and flow at once make exactly one queued run (on SQLite:
tests/unit/test_queue_run_is_atomic.py)."""
from __future__ import annotations

from tests.conftest import create_shop
from tests.unit.test_queue_run_is_atomic import assert_one_queued, queue_from_processes, queue_from_threads


def test_concurrent_queue_run_from_many_threads_makes_exactly_one_queued_run_on_postgresql(pg_app):
    shop = create_shop()
    results = queue_from_threads(pg_app, shop.id, count=16)
    assert_one_queued(results, shop.id, 16)


def test_concurrent_queue_run_from_processes_makes_exactly_one_queued_run_on_postgresql(pg_app, pg_database_url):
    shop = create_shop()
    results = queue_from_processes(pg_database_url, shop.id, count=3, threads=4)
    assert_one_queued(results, shop.id, 12)
