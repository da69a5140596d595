"""Two clock processes on PostgreSQL (the work in-process, no broker) never run the same
shop and flow at once, and queue each due run once (on SQLite: tests/unit/test_scheduler.py)."""
from __future__ import annotations

from tests.unit import test_scheduler as on_sqlite
from tests.unit.conftest import only_flows  # noqa: F401  (the fixture)


def test_two_clock_processes_never_run_the_same_shop_and_flow_at_once_on_postgresql(pg_app, pg_database_url):
    on_sqlite.two_clock_processes(pg_database_url)


def test_two_clocks_at_once_queue_each_due_run_once_on_postgresql(pg_app, only_flows):
    on_sqlite.test_two_clocks_at_once_queue_each_due_run_once(pg_app, only_flows)
