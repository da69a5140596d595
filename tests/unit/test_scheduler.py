"""The scheduler: its pure decisions, the queue, the leadership, webhook retries, and the
scheduler running for real (in threads, and as its own process)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import SchedulerLock, SyncRun, WebhookDelivery
from shopify_app.models.sync import apscheduler_jobs
from shopify_app.shopify.access import AccessLevel
from shopify_app.sync import runner
from shopify_app.sync import scheduler as sched
from shopify_app.sync.flows import shutdown_event
from shopify_app.sync.registry import TOPICS, Topic
from tests.conftest import base_env, create_shop

ROOT = Path(__file__).resolve().parents[2]
UTC = timezone.utc
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def fake_shop(id, status="active", access="read_write", needs_reauth=False):
    return SimpleNamespace(id=id, status=status, access_level=access, needs_reauth=needs_reauth, domain=f"s{id}")


def fake_state(enabled=True, interval=None):
    return SimpleNamespace(enabled=enabled, interval_minutes=interval)


def wait_for(predicate, timeout=15.0, every=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        value = predicate()
        if value:
            return value
        time.sleep(every)
    db.session.rollback()
    return predicate()


def runs(**filters):
    db.session.rollback()
    query = select(SyncRun).order_by(SyncRun.id)
    for key, value in filters.items():
        query = query.where(getattr(SyncRun, key) == value)
    return db.session.execute(query).scalars().all()


# --- pure decisions ------------------------------------------------------------------------

def test_desired_jobs_only_for_shops_and_flows_that_may_run(only_flows):
    only_flows("downloads", lambda c: None, min_level=AccessLevel.READ, interval=15)
    only_flows("pushes", lambda c: None, min_level=AccessLevel.READ_WRITE, interval=5)
    shops = [
        fake_shop(1),
        fake_shop(2, status="uninstalled"),
        fake_shop(3, status="inactive"),
        fake_shop(4, access="none"),
        fake_shop(5, access="read"),
        fake_shop(6, needs_reauth=True),
        fake_shop(7),
    ]
    states = {(7, "pushes"): fake_state(enabled=False), (7, "downloads"): fake_state(interval=60)}
    jobs = sched.desired_jobs(shops, states)
    assert {(j.shop_id, j.flow, j.interval_minutes) for j in jobs.values()} == {
        (1, "downloads", 15), (1, "pushes", 5), (5, "downloads", 15), (7, "downloads", 60),
    }
    assert set(jobs) == {j.id for j in jobs.values()} and "flow:1:pushes" in jobs


def test_first_run_time():
    # Never run: at once (within a few seconds).
    first = sched.first_run_time(NOW, None, 15, "flow:1:products")
    assert NOW <= first <= NOW + timedelta(seconds=5)
    # Ran 5 minutes ago every 15: in 10 minutes.
    assert sched.first_run_time(NOW, NOW - timedelta(minutes=5), 15, "k") == NOW + timedelta(minutes=10)
    # Overdue: soon, spread over at most a minute, the same for the same key.
    late = sched.first_run_time(NOW, NOW - timedelta(hours=3), 15, "flow:1:orders")
    assert NOW <= late <= NOW + timedelta(seconds=60)
    assert late == sched.first_run_time(NOW, NOW - timedelta(hours=3), 15, "flow:1:orders")
    spread = {sched.spread_seconds(f"flow:{i}:orders", 60) for i in range(50)}
    assert len(spread) > 40 and all(0 <= s < 60 for s in spread)


def test_misfire_grace():
    assert sched.misfire_grace_seconds(1) == 60
    assert sched.misfire_grace_seconds(15) == 450
    assert sched.misfire_grace_seconds(1440) == 43200


def test_choose_trigger_reconciles_once_a_day():
    assert sched.choose_trigger(NOW, None, None) == "schedule"  # the first run is the full download
    assert sched.choose_trigger(NOW, None, NOW - timedelta(hours=3)) == "schedule"
    assert sched.choose_trigger(NOW, None, NOW - timedelta(days=1, minutes=1)) == "reconcile"
    assert sched.choose_trigger(NOW, NOW - timedelta(hours=23), NOW - timedelta(days=9)) == "schedule"
    assert sched.choose_trigger(NOW, NOW - timedelta(hours=25), NOW - timedelta(days=9)) == "reconcile"


def test_webhook_retry_back_off_is_bounded():
    assert sched.webhook_backoff(1) == timedelta(seconds=30)
    assert sched.webhook_backoff(2) == timedelta(seconds=60)
    assert sched.webhook_backoff(20) == timedelta(hours=1)
    received = NOW - timedelta(seconds=40)
    assert sched.webhook_retry_due("failed", 1, received, NOW)  # 30 s after the first failure
    assert not sched.webhook_retry_due("failed", 2, received, NOW)  # needs 30 + 60 s
    assert sched.webhook_retry_due("failed", 2, NOW - timedelta(seconds=91), NOW)
    assert not sched.webhook_retry_due("failed", 8, NOW - timedelta(days=3), NOW)  # gave up
    assert not sched.webhook_retry_due("received", 0, NOW - timedelta(seconds=30), NOW)  # still in its request
    assert sched.webhook_retry_due("received", 0, NOW - timedelta(minutes=3), NOW)  # its worker died
    assert not sched.webhook_retry_due("processed", 1, NOW - timedelta(days=1), NOW)
    assert not sched.webhook_retry_due("retrying", 1, NOW - timedelta(minutes=2), NOW)
    assert sched.webhook_retry_due("retrying", 1, NOW - timedelta(minutes=12), NOW)


# --- queue, claims, recovery ----------------------------------------------------------------

def test_enqueue_scheduled_picks_the_trigger_and_never_duplicates(app, shop, only_flows):
    only_flows("probe", lambda c: None)
    run = sched.enqueue_scheduled(shop.id, "probe")
    assert run.trigger == "schedule" and run.status == "queued"
    assert sched.enqueue_scheduled(shop.id, "probe").id == run.id
    db.session.delete(run)
    day_ago = datetime.now(UTC) - timedelta(days=1, minutes=5)
    db.session.add(SyncRun(shop_id=shop.id, flow="probe", trigger="schedule", status="succeeded",
                           started_at=day_ago, finished_at=day_ago, counts={}))
    db.session.commit()
    assert sched.enqueue_scheduled(shop.id, "probe").trigger == "reconcile"
    # A queued scheduled run becomes the reconciliation when that falls due.
    queued = runs(status="queued")[0]
    queued.trigger = "schedule"
    db.session.commit()
    assert sched.enqueue_scheduled(shop.id, "probe").trigger == "reconcile"
    assert len(runs(status="queued")) == 1


def test_enqueue_scheduled_skips_shops_that_may_not_run(app, only_flows):
    only_flows("probe", lambda c: None)
    shop = create_shop(access="none")
    assert sched.enqueue_scheduled(shop.id, "probe") is None
    assert runs() == []


def test_claims_are_exclusive_and_wait_for_the_lease(app, only_flows):
    only_flows("probe", lambda c: None)
    a = create_shop("a-shop.myshopify.com")
    b = create_shop("b-shop.myshopify.com")
    runner.queue_run(a.id, "probe", "manual")
    runner.queue_run(b.id, "probe", "manual")
    state_b = runner.flow_state(b.id, "probe")
    assert runner.acquire_lease(state_b.id, "busy-elsewhere")
    first = sched.claim_queued_runs(5, "w1")
    second = sched.claim_queued_runs(5, "w2")
    assert len(first) == 1 and second == []  # b's flow is busy: its run waits
    runner.release_lease(state_b.id, "busy-elsewhere")
    assert len(sched.claim_queued_runs(5, "w2")) == 1
    assert sched.claim_queued_runs(0, "w3") == []


def test_abandoned_runs_are_marked_failed(app, shop, only_flows):
    only_flows("probe", lambda c: None)
    state = runner.flow_state(shop.id, "probe")
    old = datetime.now(UTC) - timedelta(minutes=10)
    dead = SyncRun(shop_id=shop.id, flow="probe", trigger="schedule", status="running", started_at=old, counts={})
    db.session.add(dead)
    db.session.commit()
    alive_shop = create_shop("alive.myshopify.com")
    alive_state = runner.flow_state(alive_shop.id, "probe")
    alive = SyncRun(shop_id=alive_shop.id, flow="probe", trigger="schedule", status="running", started_at=old, counts={})
    db.session.add(alive)
    db.session.commit()
    assert runner.acquire_lease(alive_state.id, runner.lease_owner_for(alive.id))
    assert sched.recover_stale_runs() == 1
    db.session.expire_all()
    assert dead.status == "failed" and "interrupted" in dead.error
    assert alive.status == "running"
    assert state.lease_owner is None


def test_failed_webhooks_are_retried_with_back_off_and_a_bound(app, shop, monkeypatch):
    calls = []

    def flaky(shop_domain, payload):
        calls.append(payload["n"])
        if payload["n"] == 2:
            raise RuntimeError("still broken")

    monkeypatch.setitem(TOPICS, "test/flaky", Topic(flaky))
    now = datetime.now(UTC)

    def delivery(n, attempts, age, status="failed"):
        d = WebhookDelivery(webhook_id=f"w{n}", topic="test/flaky", shop_domain=shop.domain, status=status,
                            attempts=attempts, received_at=now - age, payload={"n": n}, error="boom")
        db.session.add(d)
        return d

    due = delivery(1, 1, timedelta(minutes=1))
    broken = delivery(2, 1, timedelta(minutes=1))
    waiting = delivery(3, 2, timedelta(seconds=40))
    exhausted = delivery(4, sched.WEBHOOK_MAX_ATTEMPTS, timedelta(days=2))
    stuck = delivery(5, 0, timedelta(minutes=5), status="received")
    db.session.commit()
    assert sched.retry_webhooks(now) == 3
    db.session.expire_all()
    assert sorted(calls) == [1, 2, 5]
    assert due.status == "processed" and due.payload is None and due.attempts == 2
    assert broken.status == "failed" and broken.attempts == 2 and broken.payload == {"n": 2}
    assert waiting.status == "failed" and waiting.attempts == 2
    assert exhausted.status == "failed" and exhausted.attempts == sched.WEBHOOK_MAX_ATTEMPTS
    assert stuck.status == "processed"
    # The broken one comes back only after its back-off (30 + 60 s after arrival).
    assert sched.retry_webhooks(now) == 0
    assert sched.retry_webhooks(now + timedelta(seconds=31)) == 1
    db.session.expire_all()
    assert broken.attempts == 3


# --- the leadership -------------------------------------------------------------------------

def test_one_leader_at_a_time_and_takeover_after_expiry(app):
    assert sched.take_leadership("p1", NOW)
    assert not sched.take_leadership("p2", NOW + timedelta(seconds=5))
    assert sched.take_leadership("p1", NOW + timedelta(seconds=10))  # renewed
    assert not sched.take_leadership("p2", NOW + timedelta(seconds=35))
    assert sched.take_leadership("p2", NOW + timedelta(seconds=41))  # p1 stopped renewing
    assert not sched.take_leadership("p1", NOW + timedelta(seconds=42))
    sched.release_leadership("p2")
    assert sched.take_leadership("p1", NOW + timedelta(seconds=43))


def test_the_leader_lock_row_is_created_if_missing(app):
    db.session.execute(SchedulerLock.__table__.delete())
    db.session.commit()
    assert sched.take_leadership("p1")
    assert not sched.take_leadership("p2")


# --- the scheduler running (in this process) --------------------------------------------------

@pytest.fixture
def start_scheduler(app, monkeypatch):
    monkeypatch.setattr(sched, "SWEEP_EVERY", timedelta(seconds=0.2))
    started = []

    def start(**kwargs):
        s = sched.Scheduler(app, blocking=False, tick_seconds=kwargs.pop("tick_seconds", 0.2), **kwargs)
        s.start()
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()
    shutdown_event.clear()


def job_rows():
    db.session.rollback()
    return set(db.session.execute(select(apscheduler_jobs.c.id)).scalars())


def test_sync_now_is_picked_up_within_seconds(app, client, shop, auth_headers, only_flows, start_scheduler):
    only_flows("probe", lambda ctx: ctx.count("done"))
    runner.flow_state(shop.id, "probe").last_started_at = datetime.now(UTC)  # not due: only "sync now" runs it
    db.session.commit()
    start_scheduler()
    time.sleep(0.5)
    queued_at = time.monotonic()
    resp = client.post("/api/sync/probe/run", headers=auth_headers())
    assert resp.status_code == 202
    finished = wait_for(lambda: [r for r in runs(id=resp.json["id"]) if r.status == "succeeded"], timeout=10)
    assert finished, [(r.status, r.error) for r in runs()]
    assert time.monotonic() - queued_at < 5
    assert finished[0].trigger == "manual" and finished[0].counts == {"done": 1}


def test_the_sweep_keeps_jobs_in_step_with_shops_and_settings(app, only_flows, start_scheduler):
    only_flows("downloads", lambda c: None, min_level=AccessLevel.READ, interval=15)
    only_flows("pushes", lambda c: None, min_level=AccessLevel.READ_WRITE, interval=5)
    a = create_shop("a-shop.myshopify.com")
    create_shop("b-shop.myshopify.com", status="uninstalled")
    create_shop("c-shop.myshopify.com", access="none")
    d = create_shop("d-shop.myshopify.com", access="read")
    for shop_id in (a.id, d.id):
        for flow in ("downloads", "pushes"):
            runner.flow_state(shop_id, flow).last_started_at = datetime.now(UTC)  # not due now
    db.session.commit()
    s = start_scheduler()
    expected = {f"flow:{a.id}:downloads", f"flow:{a.id}:pushes", f"flow:{d.id}:downloads"}
    assert wait_for(lambda: job_rows() == expected), job_rows()
    assert s.is_leader

    # Settings change: a new interval, a flow switched off, a shop uninstalled, a new shop.
    state = runner.flow_state(a.id, "downloads")
    state.interval_minutes = 30
    runner.flow_state(a.id, "pushes").enabled = False
    d.status = "uninstalled"
    db.session.commit()
    e = create_shop("e-shop.myshopify.com", access="read")
    expected = {f"flow:{a.id}:downloads", f"flow:{e.id}:downloads"}
    assert wait_for(lambda: job_rows() == expected), job_rows()
    job = s.scheduler.get_job(f"flow:{a.id}:downloads", jobstore=sched.SHARED_STORE)
    assert job.trigger.interval == timedelta(minutes=30)
    assert job.coalesce is True and job.misfire_grace_time == sched.misfire_grace_seconds(30)
    # The new shop never ran: its first run starts by itself within seconds.
    assert wait_for(lambda: runs(shop_id=e.id, status="succeeded"), timeout=15)
    assert runs(shop_id=e.id)[0].trigger == "schedule"
    assert runs(shop_id=d.id) == []  # uninstalled: nothing


def test_a_second_scheduler_waits_and_takes_over(app, only_flows, start_scheduler):
    only_flows("probe", lambda ctx: time.sleep(0.3))
    shops = [create_shop(f"s{i}.myshopify.com") for i in range(6)]
    first = start_scheduler(worker_id="host-a:1")
    assert wait_for(lambda: first.is_leader, timeout=5)
    second = start_scheduler(worker_id="host-b:2")
    # Every shop's first run happens once, shared by both processes' pools.
    assert wait_for(lambda: len(runs(status="succeeded")) >= 6, timeout=20)
    assert not second.is_leader
    per_shop = {}
    for r in runs(status="succeeded"):
        per_shop.setdefault(r.shop_id, []).append((r.started_at, r.finished_at))
    assert set(per_shop) == {s.id for s in shops}
    for spans in per_shop.values():
        spans.sort()
        assert all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:]))
    # The leader stops: the other takes over at once (the lock is released).
    first.stop()
    shutdown_event.clear()
    assert wait_for(lambda: second.is_leader, timeout=5)
    assert len(job_rows()) == 6


def test_a_busy_flow_keeps_its_queued_run_until_the_lease_frees(app, shop, only_flows, start_scheduler):
    only_flows("probe", lambda ctx: ctx.count("ran"))
    state = runner.flow_state(shop.id, "probe")
    state.last_started_at = datetime.now(UTC)
    db.session.commit()
    assert runner.acquire_lease(state.id, "another-machine")
    run, _ = runner.queue_run(shop.id, "probe", "manual")
    start_scheduler()
    time.sleep(1.5)
    assert runs(id=run.id)[0].status == "queued"
    runner.release_lease(state.id, "another-machine")
    assert wait_for(lambda: runs(id=run.id, status="succeeded"), timeout=10)


# --- the scheduler as its own process ---------------------------------------------------------

SCRIPT = r"""
import os, sys, time
sys.path.insert(0, {root!r})
from tests.conftest import base_env
from shopify_app import create_app
from shopify_app.sync import registry
from shopify_app.sync.flows import Flow
from shopify_app.shopify.access import AccessLevel
from shopify_app.sync.scheduler import Scheduler

app = create_app(base_env(DATABASE_URL=sys.argv[1]))
seconds = float(sys.argv[2])
if len(sys.argv) > 3:  # short leases, to test what happens when a process is killed
    from datetime import timedelta
    from shopify_app.sync import runner, scheduler
    short = timedelta(seconds=float(sys.argv[3]))
    runner.LEASE_DURATION = scheduler.LEADER_TTL = short
    runner.LEASE_RENEW_EVERY = short / 3
    scheduler.STALE_RUN_GRACE = short
    scheduler.SWEEP_EVERY = timedelta(seconds=0.5)
registry.FLOWS.clear()

def sleepy(ctx):
    started = time.monotonic()
    ctx.commit_cursor("started")
    while time.monotonic() - started < seconds:
        ctx.report_progress(elapsed=round(time.monotonic() - started, 1))
        ctx.sleep(0.2)
    ctx.commit_cursor("done")

registry.FLOWS["sleepy"] = Flow("sleepy", sleepy, AccessLevel.READ, 5)

Scheduler(app, tick_seconds=0.3).run_forever(grace_seconds=10)
"""


def start_process(database_url, seconds, short_leases=None):
    extra = [str(short_leases)] if short_leases else []
    return subprocess.Popen([sys.executable, "-c", SCRIPT.format(root=str(ROOT)), database_url, str(seconds), *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop_process(proc, sig=signal.SIGTERM, timeout=20):
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
        raise AssertionError("the scheduler did not stop on SIGTERM:\n" + output[-3000:])
    return output


def test_scheduler_process_runs_sync_now_and_stops_gracefully_on_sigterm(app, shop, database_url):
    runner.flow_state(shop.id, "sleepy").last_started_at = datetime.now(UTC)
    db.session.commit()
    proc = start_process(database_url, seconds=60)
    try:
        run, _ = runner.queue_run(shop.id, "sleepy", "manual")
        assert wait_for(lambda: runs(id=run.id, status="running") and runs(id=run.id)[0].progress, timeout=30), \
            [(r.status, r.error) for r in runs()]
        assert wait_for(lambda: db.session.get(SchedulerLock, sched.LEADER_LOCK).owner is not None)
        stopped_at = time.monotonic()
        output = stop_process(proc)
        assert proc.returncode == 0, output[-3000:]
        assert time.monotonic() - stopped_at < 10
    finally:
        if proc.poll() is None:
            proc.kill()
    interrupted = runs(id=run.id)[0]
    assert interrupted.status == "failed" and interrupted.error.startswith("interrupted"), interrupted.error
    assert interrupted.cursor_after == "started"
    db.session.rollback()
    assert db.session.get(SchedulerLock, sched.LEADER_LOCK).owner is None
    assert runner.flow_state(shop.id, "sleepy").lease_owner is None
    # The interrupted work was queued again; a new scheduler process finishes it.
    requeued = runs(status="queued")
    assert len(requeued) == 1 and requeued[0].trigger == "manual"
    proc = start_process(database_url, seconds=0.5)
    try:
        assert wait_for(lambda: runs(id=requeued[0].id, status="succeeded"), timeout=30)
    finally:
        stop_process(proc)
    assert runs(id=requeued[0].id)[0].cursor_before == "started"
    assert runner.flow_state(shop.id, "sleepy").cursor == "done"


def test_two_scheduler_processes_never_run_the_same_shop_and_flow_at_once(app, database_url):
    two_scheduler_processes(database_url)


def two_scheduler_processes(database_url):
    shops = [create_shop(f"p{i}.myshopify.com") for i in range(3)]
    procs = [start_process(database_url, seconds=1.0) for _ in range(2)]
    try:
        for _ in range(3):  # "sync now" pressed again and again
            for s in shops:
                runner.queue_run(s.id, "sleepy", "manual")
            time.sleep(1.0)
        assert wait_for(lambda: len(runs(status="succeeded")) >= 6 and not runs(status="queued")
                        and not runs(status="running"), timeout=60), [(r.status, r.error) for r in runs()]
    finally:
        outputs = [stop_process(p) for p in procs]
    done = runs(status="succeeded")
    for s in shops:
        spans = sorted((r.started_at, r.finished_at) for r in done if r.shop_id == s.id)
        assert spans and all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:]))
    assert {r.worker for r in runs()} <= {None} | {r.worker for r in done}
    assert all(p.returncode == 0 for p in procs), outputs


def test_flask_scheduler_command(database_url, tmp_path):
    env = {**os.environ, **base_env(DATABASE_URL=database_url)}
    help_out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "--help"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert help_out.returncode == 0 and "--threads" in help_out.stdout
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "--tick", "0.3"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    from sqlalchemy import create_engine

    engine = create_engine(database_url)
    try:
        deadline = time.monotonic() + 30
        owner = None
        while time.monotonic() < deadline and not owner:
            with engine.connect() as conn:
                owner = conn.execute(select(SchedulerLock.owner).where(SchedulerLock.name == sched.LEADER_LOCK)).scalar()
            time.sleep(0.2)
        assert owner, "the scheduler never took the leadership"
        output = stop_process(proc)
        assert proc.returncode == 0, output[-3000:]
        with engine.connect() as conn:
            assert conn.execute(select(SchedulerLock.owner)).scalar() is None
    finally:
        if proc.poll() is None:
            proc.kill()
        engine.dispose()


def test_a_killed_scheduler_is_replaced_and_its_run_resumed(app, shop, database_url):
    runner.flow_state(shop.id, "sleepy").last_started_at = datetime.now(UTC)
    db.session.commit()
    first = start_process(database_url, seconds=120, short_leases=3)
    second = None
    try:
        run, _ = runner.queue_run(shop.id, "sleepy", "manual")
        assert wait_for(lambda: runs(id=run.id, status="running") and runs(id=run.id)[0].progress, timeout=30)
        leader = db.session.get(SchedulerLock, sched.LEADER_LOCK).owner
        assert leader
        second = start_process(database_url, seconds=0.5, short_leases=3)
        time.sleep(3)
        first.kill()  # SIGKILL: no goodbye, the lease and the leadership just expire
        first.communicate(timeout=10)
        # The other process takes the lead and marks the orphaned run failed...
        assert wait_for(lambda: (db.session.get(SchedulerLock, sched.LEADER_LOCK).owner or leader) != leader,
                        timeout=30)
        assert wait_for(lambda: runs(id=run.id, status="failed"), timeout=30)
        assert "worker" in runs(id=run.id)[0].error
        # ...and the next run (queued by the recovery itself) resumes from the committed cursor.
        again = wait_for(lambda: [r for r in runs() if r.id > run.id], timeout=10)[0]
        assert again.trigger == "manual"
        assert wait_for(lambda: runs(id=again.id, status="succeeded"), timeout=30)
        assert runs(id=again.id)[0].cursor_before == "started"
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                stop_process(proc)
