"""The clock and the tasks, in-process: the clock's decisions, each due run queued once
(two clocks at once included), queued runs sent once, the `sync_run` task's guarantees
(a duplicate is a no-op, a busy flow waits, one run at a time), runs in resumable steps,
webhook retries with back-off, and the clock running for real (in threads, and as its own
process, with the work in-process: no broker). Celery workers on RabbitMQ:
tests/integration/test_celery_workers.py."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from shopify_app import create_app
from shopify_app.extensions import db
from shopify_app.models import FlowState, SyncRun, WebhookDelivery
from shopify_app.shopify.access import AccessLevel
from shopify_app.sync import run_steps, runner, tasks
from shopify_app.sync import scheduler as sched
from shopify_app.sync.flows import StepLater, shutdown_event
from shopify_app.sync.registry import TOPICS, Topic
from shopify_app.sync.webhooks import retry as webhook_retry
from tests.conftest import base_env, create_shop

ROOT = Path(__file__).resolve().parents[2]
UTC = timezone.utc
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


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


def not_due(shop_id, *flows):
    for flow in flows:
        runner.flow_state(shop_id, flow).next_due_at = datetime.now(UTC) + timedelta(hours=1)
    db.session.commit()


# --- pure decisions ------------------------------------------------------------------------

def test_choose_trigger_reconciles_once_a_day():
    assert sched.choose_trigger(NOW, None, None) == "schedule"  # the first run is the full download
    assert sched.choose_trigger(NOW, None, NOW - timedelta(hours=3)) == "schedule"
    assert sched.choose_trigger(NOW, None, NOW - timedelta(days=1, minutes=1)) == "reconcile"
    assert sched.choose_trigger(NOW, NOW - timedelta(hours=23), NOW - timedelta(days=9)) == "schedule"
    assert sched.choose_trigger(NOW, NOW - timedelta(hours=25), NOW - timedelta(days=9)) == "reconcile"


def test_webhook_retry_back_off_is_bounded_and_the_sweep_sends_only_what_no_task_will():
    assert webhook_retry.webhook_backoff(1) == timedelta(seconds=30)
    assert webhook_retry.webhook_backoff(2) == timedelta(seconds=60)
    assert webhook_retry.webhook_backoff(20) == timedelta(hours=1)
    due = webhook_retry.sweep_due
    slack = webhook_retry.WEBHOOK_RETRY_SLACK
    received = NOW - timedelta(seconds=40)
    assert not due("failed", 1, received, NOW)  # its task retries it at 30 s
    assert due("failed", 1, NOW - timedelta(seconds=30) - slack, NOW)  # ...and that retry was lost
    assert not due("failed", 2, NOW - timedelta(seconds=90) - slack + timedelta(seconds=1), NOW)
    assert not due("failed", 8, NOW - timedelta(days=3), NOW)  # gave up
    assert not due("received", 0, NOW - timedelta(seconds=30), NOW)  # its task is on its way
    assert due("received", 0, NOW - timedelta(minutes=3), NOW)  # its task was lost
    assert not due("processed", 1, NOW - timedelta(days=1), NOW)
    assert not due("retrying", 1, NOW - timedelta(minutes=2), NOW)
    assert due("retrying", 1, NOW - timedelta(minutes=12), NOW)  # its worker died mid-apply


# --- the clock: what is due, queued once -----------------------------------------------------

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


def test_the_clock_queues_only_due_flows_of_shops_that_may_run_each_once(app, only_flows):
    only_flows("downloads", lambda c: None, min_level=AccessLevel.READ, interval=15)
    only_flows("pushes", lambda c: None, min_level=AccessLevel.READ_WRITE, interval=5)
    a = create_shop("a-shop.myshopify.com")
    create_shop("b-shop.myshopify.com", status="uninstalled")
    create_shop("c-shop.myshopify.com", access="none")
    d = create_shop("d-shop.myshopify.com", access="read")
    e = create_shop("e-shop.myshopify.com")
    assert sched.plant_flow_states() == 4  # the active shops (c too: it may run nothing, but is active)
    runner.flow_state(e.id, "pushes").enabled = False
    not_due(e.id, "downloads")
    db.session.commit()
    assert sched.enqueue_due() == 3
    assert {(r.shop_id, r.flow, r.trigger) for r in runs(status="queued")} == {
        (a.id, "downloads", "schedule"), (a.id, "pushes", "schedule"), (d.id, "downloads", "schedule")}
    # Moved on by its interval: not due again until then (d's pushes: its access is too low).
    assert sched.enqueue_due() == 0
    state = runner.flow_state(a.id, "downloads")
    db.session.refresh(state)
    assert timedelta(minutes=14) < state.next_due_at - datetime.now(UTC) <= timedelta(minutes=15)
    pushes_d = runner.flow_state(d.id, "pushes")
    db.session.refresh(pushes_d)
    assert pushes_d.next_due_at > datetime.now(UTC)
    # Its own interval, once due again.
    state.interval_minutes = 30
    state.next_due_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    for r in runs(status="queued"):
        db.session.delete(db.session.get(SyncRun, r.id))
    db.session.commit()
    assert sched.enqueue_due() == 1
    db.session.refresh(state)
    assert timedelta(minutes=29) < state.next_due_at - datetime.now(UTC) <= timedelta(minutes=30)


def test_two_clocks_at_once_queue_each_due_run_once(app, only_flows):
    only_flows("probe", lambda c: None, interval=5)
    shops = [create_shop(f"c{i}.myshopify.com") for i in range(20)]
    sched.plant_flow_states()
    counts, errors = [], []

    def clock():
        with app.app_context():
            try:
                counts.append(sched.enqueue_due())
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=clock) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sum(counts) == len(shops), (counts, errors)
    assert sorted(r.shop_id for r in runs()) == sorted(s.id for s in shops)


def test_queued_runs_are_sent_once_and_again_only_when_their_task_went_quiet(app, shop, only_flows, monkeypatch):
    only_flows("probe", lambda c: None)
    sent = []
    monkeypatch.setattr(sched.task_queue, "enqueue", lambda name, *args, **kw: sent.append((name, args)))
    run, _ = runner.queue_run(shop.id, "probe", "manual")
    assert sched.dispatch_queued() == 1 and sent == [("sync_run", (run.id,))]
    assert sched.dispatch_queued() == 0
    assert sched.dispatch_queued(datetime.now(UTC) + sched.REDISPATCH_AFTER + timedelta(seconds=1)) == 1


# --- the sync_run task ------------------------------------------------------------------------

def test_a_duplicate_task_of_a_queued_run_carries_it_out_once(app, shop, only_flows):
    calls = []
    only_flows("probe", lambda ctx: calls.append(ctx.run.id))
    run, _ = runner.queue_run(shop.id, "probe", "manual")
    assert tasks.sync_run(run.id) is None
    assert tasks.sync_run(run.id) is None  # delivered again: nothing to do
    assert tasks.sync_run(run.id, redelivered=True) is None
    assert calls == [run.id] and runs(id=run.id)[0].status == "succeeded"
    assert runner.flow_state(shop.id, "probe").lease_owner is None


def test_a_busy_flow_keeps_its_queued_run_and_its_task_comes_back(app, shop, only_flows):
    only_flows("probe", lambda ctx: ctx.count("ran"))
    state = runner.flow_state(shop.id, "probe")
    assert runner.acquire_lease(state.id, "another-machine:1:run-999")
    run, _ = runner.queue_run(shop.id, "probe", "manual")
    later = tasks.sync_run(run.id)
    assert isinstance(later, tasks.Later) and 1 <= later.countdown <= 15
    assert runs(id=run.id)[0].status == "queued" and runs(id=run.id)[0].dispatched_at is not None
    runner.release_lease(state.id, "another-machine:1:run-999")
    assert tasks.sync_run(run.id) is None
    assert runs(id=run.id)[0].status == "succeeded" and runs(id=run.id)[0].counts == {"ran": 1}


def test_a_run_in_steps_hands_its_lease_over_between_steps(app, shop, only_flows):
    steps = []

    def two_steps(ctx):
        steps.append(ctx.stepped)
        ctx.count("step")
        if len(steps) == 1:
            ctx.commit_cursor("half-way")
            raise StepLater(5, "waiting for Shopify")
        ctx.commit_cursor("done")

    only_flows("probe", two_steps)
    run, _ = runner.queue_run(shop.id, "probe", "manual")
    later = tasks.sync_run(run.id)
    assert later == tasks.Later(5)
    state = runner.flow_state(shop.id, "probe")
    db.session.refresh(state)
    assert state.lease_owner == run_steps.waiting_owner(run.id)
    assert state.lease_expires_at > datetime.now(UTC) + runner.LEASE_DURATION
    assert runs(id=run.id)[0].status == "running"
    # Meanwhile "sync now": queued, and waits for this run (one at a time per shop and flow).
    twin, _ = runner.queue_run(shop.id, "probe", "manual")
    assert isinstance(tasks.sync_run(twin.id), tasks.Later)
    # The next step, on any worker: the run finishes; a duplicate of it does nothing.
    assert tasks.sync_run(run.id) is None
    assert tasks.sync_run(run.id) is None
    done = runs(id=run.id)[0]
    assert done.status == "succeeded" and done.counts == {"step": 2} and done.cursor_after == "done"
    assert steps == [True, True]
    db.session.refresh(state)
    assert state.lease_owner is None


def test_a_redelivered_task_of_a_dead_worker_s_run_waits_for_its_lease_then_resumes_it(app, shop, only_flows):
    seen = []

    def probe(ctx):
        seen.append(ctx.cursor)
        ctx.commit_cursor("finished")

    only_flows("probe", probe)
    now = datetime.now(UTC)
    dead = SyncRun(shop_id=shop.id, flow="probe", trigger="manual", status="running", started_at=now,
                   queued_at=now, counts={}, progress={})
    db.session.add(dead)
    db.session.flush()
    state = runner.flow_state(shop.id, "probe")
    state.cursor = "half-way"
    state.lease_owner = f"dead-host:1:run-{dead.id}"
    state.lease_expires_at = now + timedelta(seconds=20)
    db.session.commit()
    assert tasks.sync_run(dead.id) is None  # a plain duplicate of a live step: nothing
    later = tasks.sync_run(dead.id, redelivered=True)  # its worker is gone: wait for the lease
    assert isinstance(later, tasks.Later) and 19 <= later.countdown <= 21
    assert seen == []
    state.lease_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert tasks.sync_run(dead.id, redelivered=True) is None
    failed, resumed = runs()
    assert failed.status == "failed" and failed.error == runner.ABANDONED_ERROR
    assert resumed.status == "succeeded" and resumed.cursor_before == "half-way" and seen == ["half-way"]


def test_one_run_at_a_time_per_shop_and_flow_whatever_the_number_of_tasks(app, only_flows):
    spans, lock = [], threading.Lock()

    def probe(ctx):
        started = time.monotonic()
        time.sleep(0.2)
        with lock:
            spans.append((ctx.shop.id, started, time.monotonic()))

    only_flows("probe", probe)
    shops = [create_shop(f"t{i}.myshopify.com") for i in range(3)]
    ids = []
    for _ in range(3):
        for s in shops:
            run, created = runner.queue_run(s.id, "probe", "manual")
            if created:
                ids.append(run.id)

    def worker():
        with app.app_context():
            try:
                for _ in range(40):
                    for run_id in ids:
                        tasks.sync_run(run_id)
                    time.sleep(0.05)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status == "succeeded" for r in runs()), [(r.status, r.error) for r in runs()]
    for s in shops:
        mine = sorted((a, b) for shop_id, a, b in spans if shop_id == s.id)
        assert mine and all(e1 <= s2 for (_, e1), (s2, _) in zip(mine, mine[1:]))


# --- the webhook task ---------------------------------------------------------------------------

def test_a_failed_delivery_is_retried_by_its_task_with_back_off_and_a_bound(app, shop, monkeypatch):
    calls = []

    def flaky(shop_domain, payload):
        calls.append(payload["n"])
        if payload["n"] == 2:
            raise RuntimeError("still broken")

    monkeypatch.setitem(TOPICS, "test/flaky", Topic(flaky))

    def delivery(n, attempts=0, status="received", age=timedelta(0)):
        d = WebhookDelivery(webhook_id=f"w{n}", topic="test/flaky", shop_domain=shop.domain, status=status,
                            attempts=attempts, received_at=datetime.now(UTC) - age, payload={"n": n})
        db.session.add(d)
        db.session.commit()
        return d

    ok, broken = delivery(1), delivery(2)
    assert tasks.webhook(ok.id) is None
    assert tasks.webhook(ok.id) is None  # a duplicate: applied once
    assert calls == [1]
    assert tasks.webhook(broken.id) == tasks.Later(30)
    assert tasks.webhook(broken.id) == tasks.Later(60)
    db.session.expire_all()
    assert ok.status == "processed" and ok.attempts == 1 and ok.payload is None
    assert broken.status == "failed" and broken.attempts == 2 and broken.payload == {"n": 2}
    broken.attempts = webhook_retry.WEBHOOK_MAX_ATTEMPTS - 1
    db.session.commit()
    assert tasks.webhook(broken.id) is None  # the last attempt: no more retries
    assert tasks.webhook(broken.id) is None and calls.count(2) == 3
    db.session.expire_all()
    assert broken.attempts == webhook_retry.WEBHOOK_MAX_ATTEMPTS and broken.status == "failed"


def test_the_sweep_sends_again_deliveries_whose_task_was_lost(app, shop, monkeypatch):
    applied = []
    monkeypatch.setitem(TOPICS, "test/ok", Topic(lambda domain, payload: applied.append(payload["n"])))
    now = datetime.now(UTC)
    for n, status, age in ((1, "received", timedelta(minutes=5)), (2, "received", timedelta(seconds=5)),
                           (3, "retrying", timedelta(minutes=30))):
        db.session.add(WebhookDelivery(webhook_id=f"s{n}", topic="test/ok", shop_domain=shop.domain, status=status,
                                       attempts=0, received_at=now - age, payload={"n": n}))
    db.session.commit()
    assert sched.sweep_webhooks() == 2
    assert sorted(applied) == [1, 3]


# --- the clock running, the work in-process (no broker) -----------------------------------------

@pytest.fixture
def local_app(app_env):
    """The app as `flask --app wsgi scheduler` runs it with no broker: tasks on a pool of this process."""
    local = create_app(app_env, TESTING=True)
    with local.app_context():
        yield local
        db.session.remove()


@pytest.fixture
def start_clock(local_app):
    started = []

    def start(**kwargs):
        clock = sched.Clock(local_app, blocking=False, tick_seconds=kwargs.pop("tick_seconds", 0.2),
                            sweep_every=timedelta(seconds=0.3), **kwargs)
        clock.start()
        started.append(clock)
        return clock

    yield start
    for clock in started:
        clock.stop()
    shutdown_event.clear()


def test_sync_now_is_picked_up_within_seconds(local_app, shop, auth_headers, only_flows, start_clock):
    only_flows("probe", lambda ctx: ctx.count("done"))
    not_due(shop.id, "probe")  # only "sync now" runs it
    start_clock()
    time.sleep(0.5)
    queued_at = time.monotonic()
    resp = local_app.test_client().post("/api/sync/probe/run", headers=auth_headers())
    assert resp.status_code == 202
    finished = wait_for(lambda: [r for r in runs(id=resp.json["id"]) if r.status == "succeeded"], timeout=10)
    assert finished, [(r.status, r.error) for r in runs()]
    assert time.monotonic() - queued_at < 5
    assert finished[0].trigger == "manual" and finished[0].counts == {"done": 1}


def test_a_new_shop_runs_by_itself_and_the_schedule_follows_the_settings(local_app, only_flows, start_clock):
    only_flows("downloads", lambda c: None, min_level=AccessLevel.READ, interval=15)
    only_flows("pushes", lambda c: None, min_level=AccessLevel.READ_WRITE, interval=5)
    start_clock()
    e = create_shop("e-shop.myshopify.com", access="read")
    gone = create_shop("gone.myshopify.com", status="uninstalled")
    assert wait_for(lambda: runs(shop_id=e.id, status="succeeded"), timeout=15)
    assert [(r.flow, r.trigger) for r in runs(shop_id=e.id)] == [("downloads", "schedule")]
    assert runs(shop_id=gone.id) == []
    state = db.session.execute(select(FlowState).where(FlowState.shop_id == e.id,
                                                       FlowState.flow == "downloads")).scalar_one()
    assert state.next_due_at - datetime.now(UTC) > timedelta(minutes=14)


# --- the clock as its own process ---------------------------------------------------------------

SCRIPT = r"""
import os, sys, time
sys.path.insert(0, {root!r})
from tests.conftest import base_env
from shopify_app import create_app
from shopify_app.sync import registry
from shopify_app.sync.flows import Flow
from shopify_app.shopify.access import AccessLevel
from shopify_app.sync.scheduler import Clock

app = create_app(base_env(DATABASE_URL=sys.argv[1]))
seconds = float(sys.argv[2])
if len(sys.argv) > 3:  # short leases, to test what happens when a process is killed
    from datetime import timedelta
    from shopify_app.sync import runner
    short = timedelta(seconds=float(sys.argv[3]))
    runner.LEASE_DURATION = runner.CLAIM_GRACE = short
    runner.LEASE_RENEW_EVERY = short / 3
registry.FLOWS.clear()

def sleepy(ctx):
    started = time.monotonic()
    ctx.commit_cursor("started")
    while time.monotonic() - started < seconds:
        ctx.report_progress(elapsed=round(time.monotonic() - started, 1))
        ctx.sleep(0.2)
    ctx.commit_cursor("done")

registry.FLOWS["sleepy"] = Flow("sleepy", sleepy, AccessLevel.READ, 5)

from datetime import timedelta
Clock(app, tick_seconds=0.3, sweep_every=timedelta(seconds=0.5)).run_forever()
"""


def start_process(database_url, seconds, short_leases=None):
    extra = [str(short_leases)] if short_leases else []
    return subprocess.Popen([sys.executable, "-c", SCRIPT.format(root=str(ROOT)), database_url, str(seconds), *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop_process(proc, sig=signal.SIGTERM, timeout=30):
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
        raise AssertionError("the clock did not stop on SIGTERM:\n" + output[-3000:])
    return output


def test_the_clock_process_runs_sync_now_and_stops_gracefully_on_sigterm(app, shop, database_url):
    not_due(shop.id, "sleepy")
    proc = start_process(database_url, seconds=60)
    try:
        run, _ = runner.queue_run(shop.id, "sleepy", "manual")
        assert wait_for(lambda: runs(id=run.id, status="running") and runs(id=run.id)[0].progress, timeout=30), \
            [(r.status, r.error) for r in runs()]
        stopped_at = time.monotonic()
        output = stop_process(proc)
        assert proc.returncode == 0, output[-3000:]
        assert time.monotonic() - stopped_at < 15
    finally:
        if proc.poll() is None:
            proc.kill()
    # Stopped at a checkpoint, its work committed; the run waits for the next process.
    stopped = runs(id=run.id)[0]
    assert stopped.status == "running" and stopped.finished_at is None
    assert runner.flow_state(shop.id, "sleepy").cursor == "started"
    assert runner.flow_state(shop.id, "sleepy").lease_owner == run_steps.waiting_owner(run.id)


def test_two_clock_processes_never_run_the_same_shop_and_flow_at_once(app, database_url):
    two_clock_processes(database_url)


def two_clock_processes(database_url):
    shops = [create_shop(f"p{i}.myshopify.com") for i in range(3)]
    for s in shops:
        not_due(s.id, "sleepy")
    procs = [start_process(database_url, seconds=1.0) for _ in range(2)]
    try:
        for s in shops:
            runner.queue_run(s.id, "sleepy", "manual")
        assert wait_for(lambda: runs(status="running"), timeout=30)
        for _ in range(2):  # "sync now" pressed again and again while they run
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
    assert all(p.returncode == 0 for p in procs), outputs


def test_two_clock_processes_queue_each_due_run_once(app, database_url):
    shops = [create_shop(f"due{i}.myshopify.com") for i in range(10)]
    procs = [start_process(database_url, seconds=0.1) for _ in range(2)]
    try:
        assert wait_for(lambda: len(runs(status="succeeded")) >= len(shops), timeout=60), \
            [(r.status, r.error) for r in runs()]
        time.sleep(2)  # several more ticks of both clocks: nothing is due again for 5 minutes
    finally:
        outputs = [stop_process(p) for p in procs]
    assert sorted(r.shop_id for r in runs()) == sorted(s.id for s in shops), [(r.shop_id, r.status) for r in runs()]
    assert all(r.trigger == "schedule" for r in runs())
    assert all(p.returncode == 0 for p in procs), outputs


def test_flask_scheduler_command(database_url, tmp_path):
    env = {**os.environ, **base_env(DATABASE_URL=database_url)}
    help_out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "--help"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert help_out.returncode == 0 and "--tick" in help_out.stdout
    worker = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert worker.returncode != 0 and "CELERY_BROKER_URL is not set" in worker.stderr
    log = tmp_path / "clock.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "--tick", "0.3"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while "starting" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "starting" in log.read_text(), log.read_text()[-3000:]
        time.sleep(1)
        stop_process(proc)
        assert proc.returncode == 0, log.read_text()[-3000:]
        assert "in this process" in log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_killed_clock_s_run_is_resumed_by_another(app, shop, database_url):
    not_due(shop.id, "sleepy")
    first = start_process(database_url, seconds=120, short_leases=3)
    second = None
    try:
        run, _ = runner.queue_run(shop.id, "sleepy", "manual")
        assert wait_for(lambda: runs(id=run.id, status="running") and runs(id=run.id)[0].progress, timeout=30)
        second = start_process(database_url, seconds=0.5, short_leases=3)
        time.sleep(3)
        first.kill()  # SIGKILL: no goodbye, the lease just expires
        first.communicate(timeout=10)
        # The other process marks the orphaned run failed...
        assert wait_for(lambda: runs(id=run.id, status="failed"), timeout=30)
        assert "worker" in runs(id=run.id)[0].error
        # ...and the run resuming it (queued by the recovery itself) carries on from the committed cursor.
        again = wait_for(lambda: [r for r in runs() if r.id > run.id], timeout=10)[0]
        assert again.trigger == "manual"
        assert wait_for(lambda: runs(id=again.id, status="succeeded"), timeout=30)
        assert runs(id=again.id)[0].cursor_before == "started"
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                stop_process(proc)
