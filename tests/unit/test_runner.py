"""The runner: skip rules, run records, the lease (threads, processes, SQLite and PostgreSQL)."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import FlowState, SyncRun
from shopify_app.shopify.access import AccessLevel
from shopify_app.sync import runner
from shopify_app.sync.flows import RunInterrupted, shutdown_event
from tests.conftest import create_shop

ROOT = Path(__file__).resolve().parents[2]


def all_runs():
    db.session.expire_all()
    return db.session.execute(select(SyncRun).order_by(SyncRun.id)).scalars().all()


def state_of(shop_id, flow):
    db.session.expire_all()
    return db.session.execute(
        select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == flow)
    ).scalar_one()


# --- skip rules -----------------------------------------------------------------------------

@pytest.mark.parametrize("setup, reason", [
    (dict(status="uninstalled"), "shop is uninstalled"),
    (dict(status="inactive"), "shop is inactive"),
    (dict(access="none"), "access level is none"),
    (dict(access="read", needs="read_write"), "does not allow"),
    (dict(flow_off=True), "switched off"),
    (dict(reauth=True), "re-authentication"),
])
def test_skip_rules_record_a_skipped_run_and_run_nothing(app, only_flows, setup, reason):
    called = []
    needs = AccessLevel(setup.get("needs", "read"))
    only_flows("probe", lambda ctx: called.append(1), min_level=needs)
    shop = create_shop(status=setup.get("status", "active"), access=setup.get("access", "read_write"))
    if setup.get("reauth"):
        shop.needs_reauth = True
    if setup.get("flow_off"):
        runner.flow_state(shop.id, "probe").enabled = False
    db.session.commit()
    run = runner.run_flow(shop.id, "probe", "schedule")
    assert called == []
    assert run.status == "skipped" and reason in run.error
    assert run.started_at and run.finished_at and run.trigger == "schedule"
    assert state_of(shop.id, "probe").lease_owner is None


def test_a_run_is_recorded_with_counts_and_cursors(app, shop, only_flows):
    def flow(ctx):
        assert ctx.cursor == "2026-01-01T00:00:00Z" and ctx.trigger == "manual"
        ctx.count("products", 3)
        ctx.count("products")
        ctx.report_progress(objects=4)
        ctx.set_bulk_operation("gid://shopify/BulkOperation/1")
        ctx.commit_cursor("2026-02-01T00:00:00Z")

    only_flows("probe", flow)
    state = runner.flow_state(shop.id, "probe")
    state.cursor = "2026-01-01T00:00:00Z"
    db.session.commit()
    run = runner.run_flow(shop.id, "probe", "manual")
    assert run.status == "succeeded", run.error
    assert run.counts == {"products": 4} and run.progress == {"objects": 4}
    assert run.cursor_before == "2026-01-01T00:00:00Z" and run.cursor_after == "2026-02-01T00:00:00Z"
    assert run.bulk_operation_id == "gid://shopify/BulkOperation/1"
    assert run.started_at <= run.finished_at and run.worker == runner.WORKER_ID
    state = state_of(shop.id, "probe")
    assert state.lease_owner is None and state.last_finished_at == run.finished_at


def test_a_failing_flow_is_a_failed_run_and_keeps_the_cursor(app, shop, only_flows):
    def flow(ctx):
        ctx.count("orders", 2)
        raise RuntimeError("Shopify said no")

    only_flows("probe", flow)
    state = runner.flow_state(shop.id, "probe")
    state.cursor = "c1"
    db.session.commit()
    run = runner.run_flow(shop.id, "probe")
    assert run.status == "failed" and "Shopify said no" in run.error
    assert run.cursor_after == "c1" and state_of(shop.id, "probe").lease_owner is None


def test_a_queued_run_is_carried_out_in_place(app, shop, only_flows):
    only_flows("probe", lambda ctx: ctx.count("x"))
    queued, created = runner.queue_run(shop.id, "probe", "manual")
    again, created_again = runner.queue_run(shop.id, "probe", "manual")
    assert created and not created_again and again.id == queued.id
    run = runner.run_flow(shop.id, "probe", run=queued)
    assert run.id == queued.id and run.status == "succeeded" and run.trigger == "manual"
    assert len(all_runs()) == 1


def test_unknown_flow_raises(app, shop, only_flows):
    with pytest.raises(KeyError):
        runner.run_flow(shop.id, "nope")


# --- the lease ----------------------------------------------------------------------------------

def test_lease_is_exclusive_until_released_or_expired(app, shop, only_flows):
    only_flows("probe", lambda ctx: None)
    state = runner.flow_state(shop.id, "probe")
    assert runner.acquire_lease(state.id, "a")
    assert not runner.acquire_lease(state.id, "b")
    assert runner.renew_lease(state.id, "a")
    runner.release_lease(state.id, "b")  # not b's: stays
    assert not runner.acquire_lease(state.id, "b")
    runner.release_lease(state.id, "a")
    assert runner.acquire_lease(state.id, "b")
    # An expired lease (its holder died) is taken over.
    assert runner.acquire_lease(state.id, "b", duration=timedelta(seconds=-1))
    assert runner.acquire_lease(state.id, "c")


def test_two_threads_never_run_the_same_shop_and_flow_at_once(app, shop, only_flows):
    inside = []
    overlap = []

    def flow(ctx):
        inside.append(1)
        if len(inside) > 1:
            overlap.append(1)
        time.sleep(1.0)
        inside.pop()

    only_flows("probe", flow)
    runner.flow_state(shop.id, "probe")
    barrier = threading.Barrier(3)
    results = []

    def worker():
        with app.app_context():
            barrier.wait()
            run = runner.run_flow(shop.id, "probe", "schedule")
            results.append((run.status, run.error))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert overlap == []
    statuses = sorted(s for s, _ in results)
    assert statuses.count("succeeded") >= 1
    assert all(s in ("succeeded", "skipped") for s in statuses)
    assert statuses.count("skipped") >= 1
    assert all("another run" in e for s, e in results if s == "skipped")


def test_requeue_if_busy_puts_the_run_back_in_the_queue(app, shop, only_flows):
    only_flows("probe", lambda ctx: None)
    state = runner.flow_state(shop.id, "probe")
    assert runner.acquire_lease(state.id, "someone-else")
    queued, _ = runner.queue_run(shop.id, "probe", "manual")
    run = runner.run_flow(shop.id, "probe", run=queued, requeue_if_busy=True)
    assert run.status == "queued" and run.worker is None


def test_the_lease_is_renewed_while_a_long_run_lives(app, shop, only_flows, monkeypatch):
    monkeypatch.setattr(runner, "LEASE_DURATION", timedelta(seconds=2))
    monkeypatch.setattr(runner, "LEASE_RENEW_EVERY", timedelta(seconds=0.3))
    seen = []

    def flow(ctx):
        for _ in range(8):
            time.sleep(0.5)
            with db.engine.connect() as conn:
                seen.append(conn.execute(select(FlowState.lease_expires_at).where(FlowState.id == ctx.state.id)).scalar())
            ctx.check_interrupt()

    only_flows("probe", flow)
    run = runner.run_flow(shop.id, "probe")
    assert run.status == "succeeded", run.error
    assert len(set(seen)) > 3  # moved forward while the run went on (4 s > the 2 s lease)


def test_a_run_whose_lease_was_taken_stops_at_its_next_checkpoint(app, shop, only_flows, monkeypatch):
    monkeypatch.setattr(runner, "LEASE_RENEW_EVERY", timedelta(seconds=0.2))
    progressed = []

    def flow(ctx):
        # Someone took the lease over (as if ours had expired).
        with db.engine.begin() as conn:
            conn.execute(FlowState.__table__.update().where(FlowState.__table__.c.id == ctx.state.id)
                         .values(lease_owner="thief"))
        for i in range(50):
            time.sleep(0.1)
            ctx.report_progress(step=i)
            progressed.append(i)

    only_flows("probe", flow)
    run = runner.run_flow(shop.id, "probe")
    assert run.status == "failed" and "lease" in run.error
    assert len(progressed) < 50
    assert state_of(shop.id, "probe").lease_owner == "thief"  # not released: not ours


@pytest.mark.parametrize("change, reason", [
    ({"access_level": "none"}, "access level is none"),
    ({"status": "uninstalled"}, "shop is uninstalled"),
    ("flow off", "switched off"),
])
def test_a_run_stops_when_its_shop_or_flow_may_no_longer_run(app, shop, only_flows, monkeypatch, change, reason):
    monkeypatch.setattr(runner, "PERMISSION_CHECK_EVERY", timedelta(seconds=0.2))
    from shopify_app.models import Shop

    def flow(ctx):
        with db.engine.begin() as conn:  # the merchant (another process) changes something
            if change == "flow off":
                conn.execute(FlowState.__table__.update().where(FlowState.__table__.c.id == ctx.state.id)
                             .values(enabled=False))
            else:
                conn.execute(Shop.__table__.update().where(Shop.__table__.c.id == ctx.shop.id).values(**change))
        for i in range(100):
            time.sleep(0.05)
            ctx.report_progress(step=i)
        ctx.commit_cursor("should not get here")

    only_flows("probe", flow)
    run = runner.run_flow(shop.id, "probe")
    assert run.status == "failed" and reason in run.error and run.error.startswith("interrupted: stopped")
    assert run.cursor_after is None
    assert not [r for r in all_runs() if r.status == "queued"]  # not requeued
    assert state_of(shop.id, "probe").lease_owner is None


def test_shutdown_interrupts_at_the_next_checkpoint_and_requeues(app, shop, only_flows):
    def flow(ctx):
        ctx.commit_cursor("halfway")
        shutdown_event.set()
        ctx.report_progress(objects=10)
        raise AssertionError("not reached")

    only_flows("probe", flow)
    run = runner.run_flow(shop.id, "probe", "schedule")
    shutdown_event.clear()
    assert run.status == "failed" and run.error.startswith("interrupted")
    assert run.cursor_after == "halfway"
    queued = [r for r in all_runs() if r.status == "queued"]
    assert len(queued) == 1 and queued[0].trigger == "schedule"


def test_ctx_sleep_wakes_up_on_shutdown(app, shop, only_flows):
    def flow(ctx):
        threading.Timer(0.2, shutdown_event.set).start()
        started = time.monotonic()
        try:
            ctx.sleep(30)
        except RunInterrupted:
            ctx.count("woke_after_ms", int((time.monotonic() - started) * 1000))
            raise

    only_flows("probe", flow)
    run = runner.run_flow(shop.id, "probe")
    shutdown_event.clear()
    assert run.status == "failed"


# --- several processes ----------------------------------------------------------------------

SCRIPT = r"""
import sys, time
sys.path.insert(0, {root!r})
from tests.conftest import base_env
from shopify_app import create_app
from shopify_app.sync import registry
from shopify_app.sync.flows import Flow
from shopify_app.shopify.access import AccessLevel

url, shop_id, start_at, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
app = create_app(base_env(DATABASE_URL=url))
registry.FLOWS.clear()

def sleepy(ctx):
    ctx.count("slept")
    time.sleep(seconds)

registry.FLOWS["sleepy"] = Flow("sleepy", sleepy, AccessLevel.READ, 5)

with app.app_context():
    from shopify_app.sync.runner import run_flow
    time.sleep(max(0.0, start_at - time.time()))
    run = run_flow(shop_id, "sleepy", "schedule")
    print("RESULT", run.status, run.error or "", flush=True)
"""


def run_processes(url: str, shop_id: int, count: int = 2, seconds: float = 2.0) -> list[str]:
    script = SCRIPT.format(root=str(ROOT))
    start_at = time.time() + 6.0  # after every process has imported the app
    procs = [
        subprocess.Popen([sys.executable, "-c", script, url, str(shop_id), str(start_at), str(seconds)],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr[-3000:]
        out.extend(line for line in stdout.splitlines() if line.startswith("RESULT"))
    return out


def assert_one_ran(results, runs):
    assert len(results) == len(runs)
    succeeded = [r for r in runs if r.status == "succeeded"]
    skipped = [r for r in runs if r.status == "skipped"]
    assert len(succeeded) >= 1 and len(succeeded) + len(skipped) == len(runs), [(r.status, r.error) for r in runs]
    assert all("another run" in r.error for r in skipped)
    # Succeeded runs never overlapped in time.
    spans = sorted((r.started_at, r.finished_at) for r in succeeded)
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        assert e1 <= s2
    assert len(skipped) >= 1


def test_two_processes_never_run_the_same_shop_and_flow_at_once_on_sqlite(app, shop, database_url):
    results = run_processes(database_url, shop.id, count=3)
    assert_one_ran(results, all_runs())

