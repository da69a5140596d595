"""Two scheduler processes on PostgreSQL never run the same shop and flow at once, and the
leader keeps its jobs in the shared job store (on SQLite: tests/unit/test_scheduler.py)."""
from __future__ import annotations

from tests.unit.test_scheduler import job_rows, two_scheduler_processes


def test_two_scheduler_processes_on_postgresql(pg_app, pg_database_url):
    two_scheduler_processes(pg_database_url)
    # The leader kept its interval jobs in the shared job store.
    assert len(job_rows()) == 3
