"""The run lease across processes on PostgreSQL (on SQLite: tests/unit/test_runner.py)."""
from __future__ import annotations

from tests.conftest import create_shop
from tests.unit.test_runner import all_runs, assert_one_ran, run_processes


def test_two_processes_never_run_the_same_shop_and_flow_at_once_on_postgresql(pg_app, pg_database_url):
    shop = create_shop()
    results = run_processes(pg_database_url, shop.id, count=3)
    assert_one_ran(results, all_runs())
