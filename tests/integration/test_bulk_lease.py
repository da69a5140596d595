"""The lease of a bulk download, with the real runner and database (SQLite and PostgreSQL)
and devstore over HTTP: a download that outlives the lease keeps it; a run whose lease
was taken stops."""
from __future__ import annotations

import shutil
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from devstore.testing import new_shop
from shopify_app.extensions import db
from shopify_app.models import FlowState, Product, SyncRun
from shopify_app.sync import runner

from ..conftest import create_shop, truncate_all

pytestmark = pytest.mark.integration

LEASE = timedelta(seconds=2)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, sqlite_template, tmp_path) -> str:
    """The app's database for connected_app: each test runs on both."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_database_url")
        truncate_all(url)
        return url
    shutil.copy(sqlite_template, tmp_path / "app.sqlite3")
    return f"sqlite:///{tmp_path / 'app.sqlite3'}"


@pytest.fixture
def short_lease(monkeypatch):
    monkeypatch.setattr(runner, "LEASE_DURATION", LEASE)
    monkeypatch.setattr(runner, "LEASE_RENEW_EVERY", timedelta(seconds=0.3))


@pytest.fixture
def slow_bulk(connected_app):
    """Devstore's bulk operations take about 5 s (a delay per chunk of 250 objects)."""
    connected_app.ds.faults(bulk_chunk_delay_ms=5000)
    yield
    connected_app.ds.clear_faults()


@pytest.fixture
def linked_shop(connected_app):
    handle = new_shop(connected_app.devstore, products=20, orders=0)
    with connected_app.app.app_context():
        return create_shop(handle.domain, access="read", token=handle.token, expires_in=None).id


def lease_of(state_id: int) -> tuple[str | None, datetime | None]:
    with db.engine.connect() as conn:
        row = conn.execute(select(FlowState.lease_owner, FlowState.lease_expires_at)
                           .where(FlowState.id == state_id)).one()
    return row.lease_owner, row.lease_expires_at


def lease_while_running(state_id: int, run_id: int) -> tuple[str | None, bool]:
    """(the lease's owner, is the run still running), read in one statement."""
    with db.engine.connect() as conn:
        row = conn.execute(select(FlowState.lease_owner, SyncRun.status)
                           .join(SyncRun, SyncRun.id == run_id).where(FlowState.id == state_id)).one()
    return row.lease_owner, row.status == "running"


def following_its_operation(shop_id: int) -> int | None:
    """The id of the shop's products run once it is following its bulk operation."""
    return db.session.execute(
        select(SyncRun.id).where(SyncRun.shop_id == shop_id, SyncRun.flow == "products",
                                 SyncRun.status == "running", SyncRun.bulk_operation_id.is_not(None))
    ).scalar_one_or_none()


def run_products_beside(connected_app, shop_id: int, other_worker, done: threading.Event):
    """Run the products flow here while `other_worker` runs in a thread: (run id, seconds)."""
    beside = threading.Thread(target=other_worker)
    beside.start()
    try:
        with connected_app.app.app_context():
            started = time.monotonic()
            run_id = runner.run_flow(shop_id, "products", "schedule").id
            return run_id, time.monotonic() - started
    finally:
        done.set()
        beside.join(30)


def test_a_download_running_longer_than_the_lease_keeps_it(connected_app, linked_shop, short_lease, slow_bulk):
    app = connected_app.app
    with app.app_context():
        state_id = runner.flow_state(linked_shop, "products").id
    other = "another-host:1:run-999999"
    samples: list[tuple[float, bool, bool]] = []
    done = threading.Event()

    def another_worker():
        """Samples the lease while the download runs, and tries to take it as another run would."""
        with app.app_context():
            run_id = connected_app.wait_for(lambda: following_its_operation(linked_shop), timeout=30)
            started = time.monotonic()
            while not done.is_set():
                owner, running = lease_while_running(state_id, run_id)
                if not running:
                    break  # the run ended (its lease is released after that)
                taken = runner.acquire_lease(state_id, other)
                if taken:
                    runner.release_lease(state_id, other)
                    taken = lease_while_running(state_id, run_id)[1]  # taken from a run still running
                samples.append((time.monotonic() - started, owner == runner.lease_owner_for(run_id), taken))
                time.sleep(0.25)
            db.session.remove()

    run_id, elapsed = run_products_beside(connected_app, linked_shop, another_worker, done)
    with app.app_context():
        run = db.session.get(SyncRun, run_id)
        assert (run.status, run.error) == ("succeeded", None)
    assert elapsed > 2 * LEASE.total_seconds()  # the download outlived its lease twice over
    late = [s for s in samples if s[0] > LEASE.total_seconds() * 1.5]
    assert late, samples
    assert all(ours for _, ours, _ in samples), samples  # the lease stayed the run's...
    assert not any(taken for _, _, taken in samples), samples  # ...and no other worker could take it
    with app.app_context():
        assert lease_of(state_id) == (None, None)  # released at the end
        assert db.session.execute(select(Product).where(Product.shop_id == linked_shop)).first()


def test_a_download_whose_lease_was_taken_stops_at_its_next_checkpoint(connected_app, linked_shop, short_lease,
                                                                        slow_bulk):
    app = connected_app.app
    thief = "another-host:1:run-999999"
    with app.app_context():
        state_id = runner.flow_state(linked_shop, "products").id

    def take_the_lease():
        """Another worker took the lease over (as if ours had expired while we were stuck)."""
        with app.app_context():
            connected_app.wait_for(lambda: following_its_operation(linked_shop), timeout=30)
            with db.engine.begin() as conn:
                conn.execute(update(FlowState).where(FlowState.id == state_id).values(
                    lease_owner=thief, lease_expires_at=datetime.now(timezone.utc) + timedelta(minutes=10)))
            db.session.remove()

    run_id, elapsed = run_products_beside(connected_app, linked_shop, take_the_lease, threading.Event())
    # Stopped while waiting on the operation (devstore takes ~5 s), not at its end.
    assert elapsed < 5.0, elapsed
    with app.app_context():
        run = db.session.get(SyncRun, run_id)
        assert run.status == "failed"
        assert run.error == "interrupted: the lease on this shop and flow was lost"
        assert run.finished_at is not None and run.cursor_after is None
        state = db.session.get(FlowState, state_id)
        assert state.lease_owner == thief  # not released: it is not ours any more
        assert state.cursor is None and state.last_finished_at is None
        # The operation is kept for the lease's holder (or the next run) to resume.
        assert (state.state or {}).get("bulk", {}).get("id") == run.bulk_operation_id
        assert not db.session.execute(select(Product).where(Product.shop_id == linked_shop)).first()
        assert not db.session.execute(select(SyncRun).where(SyncRun.shop_id == linked_shop,
                                                            SyncRun.status == "queued")).first()
