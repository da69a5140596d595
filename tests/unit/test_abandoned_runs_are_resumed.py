"""A run whose worker died: not alive once its lease expired, recorded interrupted and
resumed by the clock's sweep at once (or by its redelivered task: tests/unit/test_scheduler.py),
and never shown running by GET /api/sync. (The real thing, kill -9 of a worker process
mid-download: tests/integration/test_killed_worker_resumes_within_a_minute.py.)"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import SyncRun
from shopify_app.sync import runner
from shopify_app.sync import scheduler as sched
from shopify_app.sync import tasks
from tests.conftest import create_shop

UTC = timezone.utc
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OWNER_7 = "host:1:run-7"


# --- the pure decision --------------------------------------------------------------------

def test_a_run_holding_its_lease_lives_until_the_lease_expires():
    started = NOW - timedelta(hours=1)
    assert runner.run_is_alive(7, started, OWNER_7, NOW + timedelta(seconds=1), NOW)
    assert runner.run_is_alive(7, started, OWNER_7, NOW, NOW)
    assert not runner.run_is_alive(7, started, OWNER_7, NOW - timedelta(seconds=1), NOW)
    # Expired, even moments after its start: its worker stopped renewing it.
    assert not runner.run_is_alive(7, NOW - timedelta(seconds=1), OWNER_7, NOW - timedelta(seconds=1), NOW)


def test_a_claimed_run_not_yet_holding_its_lease_lives_for_the_grace_only():
    grace = timedelta(seconds=30)
    assert runner.run_is_alive(7, NOW - timedelta(seconds=29), None, None, NOW, grace)
    assert not runner.run_is_alive(7, NOW - timedelta(seconds=31), None, None, NOW, grace)
    assert not runner.run_is_alive(7, None, None, None, NOW, grace)
    # The lease is another run's (ours was taken over after it expired).
    assert not runner.run_is_alive(7, NOW - timedelta(minutes=5), "host:2:run-8", NOW + timedelta(seconds=20), NOW)


def test_leases_are_short_and_renewed_several_times_within_their_life():
    assert runner.LEASE_DURATION <= timedelta(seconds=30)
    assert runner.LEASE_RENEW_EVERY * 3 <= runner.LEASE_DURATION
    assert runner.CLAIM_GRACE <= timedelta(seconds=30)


# --- the recovery -------------------------------------------------------------------------

def dead_run(shop_id: int, flow: str = "probe", trigger: str = "manual", age: timedelta = timedelta(seconds=40),
             lease_left: timedelta = timedelta(seconds=-5)) -> SyncRun:
    """A run marked running whose worker renewed its lease for the last time a while ago."""
    now = datetime.now(UTC)
    run = SyncRun(shop_id=shop_id, flow=flow, trigger=trigger, status="running", started_at=now - age,
                  queued_at=now - age, counts={"products": 500}, progress={"objects": 500})
    db.session.add(run)
    db.session.flush()
    state = runner.flow_state(shop_id, flow)
    state.lease_owner = runner.lease_owner_for(run.id)
    state.lease_expires_at = now + lease_left
    db.session.commit()
    return run


def runs_of(shop_id: int, status: str | None = None) -> list[SyncRun]:
    db.session.expire_all()
    query = select(SyncRun).where(SyncRun.shop_id == shop_id).order_by(SyncRun.id)
    if status:
        query = query.where(SyncRun.status == status)
    return db.session.execute(query).scalars().all()


def test_a_run_whose_lease_expired_is_recorded_interrupted_and_its_flow_queued_again(app, shop, only_flows):
    only_flows("probe", lambda ctx: None)
    run = dead_run(shop.id, trigger="reconcile")
    assert sched.recover_stale_runs() == 1
    dead = db.session.get(SyncRun, run.id)
    assert dead.status == "failed" and dead.error == runner.ABANDONED_ERROR and dead.finished_at
    assert dead.counts == {"products": 500}  # what it committed stays recorded
    resumed = runs_of(shop.id, "queued")
    assert [(r.trigger, r.flow) for r in resumed] == [("reconcile", "probe")]
    # Idempotent: nothing more to recover, nothing queued twice.
    assert sched.recover_stale_runs() == 0
    assert len(runs_of(shop.id, "queued")) == 1


def test_a_live_run_is_left_alone(app, shop, only_flows):
    only_flows("probe", lambda ctx: None)
    run = dead_run(shop.id, age=timedelta(hours=2), lease_left=timedelta(seconds=20))
    assert sched.recover_stale_runs() == 0
    assert runs_of(shop.id)[0].status == "running" and runs_of(shop.id)[0].id == run.id


def test_no_resumption_when_the_flow_may_not_run_or_another_run_does_the_work(app, only_flows):
    only_flows("probe", lambda ctx: None)
    switched_off = create_shop("off.myshopify.com")
    dead_run(switched_off.id)
    runner.flow_state(switched_off.id, "probe").enabled = False
    uninstalled = create_shop("gone.myshopify.com")
    dead_run(uninstalled.id)
    uninstalled.status = "uninstalled"
    pressed = create_shop("pressed.myshopify.com")
    dead_run(pressed.id)
    db.session.commit()
    queued, _ = runner.queue_run(pressed.id, "probe", "manual")  # "sync now" pressed meanwhile
    assert sched.recover_stale_runs() == 3
    assert runs_of(switched_off.id, "queued") == runs_of(uninstalled.id, "queued") == []
    assert [r.id for r in runs_of(pressed.id, "queued")] == [queued.id]


def test_a_resumed_run_carries_on_from_the_committed_cursor(app, shop, only_flows):
    seen = []

    def probe(ctx):
        seen.append(ctx.cursor)
        ctx.commit_cursor("finished")

    only_flows("probe", probe)
    dead_run(shop.id)
    runner.flow_state(shop.id, "probe").cursor = "half-way"
    db.session.commit()
    sched.recover_stale_runs()
    queued = runs_of(shop.id, "queued")
    assert len(queued) == 1
    assert tasks.sync_run(queued[0].id) is None  # the dead run's lease expired: the flow is free
    done = runs_of(shop.id, "succeeded")[0]
    assert done.id == queued[0].id and done.cursor_before == "half-way"
    assert seen == ["half-way"]


# --- what the UI is told ------------------------------------------------------------------

def products_card(client, auth_headers) -> dict:
    resp = client.get("/api/sync", headers=auth_headers())
    assert resp.status_code == 200, resp.json
    return resp.json["products"]


def test_get_sync_shows_a_run_with_a_live_lease_as_running(client, shop, auth_headers):
    run = dead_run(shop.id, flow="products", age=timedelta(minutes=5), lease_left=timedelta(seconds=20))
    card = products_card(client, auth_headers)
    assert card["running"] == {"objects": 500, "done": 500, "total": None}
    assert card["current_run"]["id"] == run.id


def test_get_sync_never_shows_a_run_whose_lease_expired_as_running(client, shop, auth_headers):
    earlier = SyncRun(shop_id=shop.id, flow="products", trigger="schedule", status="succeeded",
                      started_at=datetime.now(UTC) - timedelta(hours=1),
                      finished_at=datetime.now(UTC) - timedelta(minutes=59), counts={})
    db.session.add(earlier)
    db.session.commit()
    run = dead_run(shop.id, flow="products", age=timedelta(minutes=5))
    card = products_card(client, auth_headers)
    assert card["running"] is False and card["current_run"] is None
    # What happened last, as the recovery records it moments later.
    last = card["last_run"]
    assert last["id"] == run.id and last["status"] == "failed" and last["error"] == runner.ABANDONED_ERROR
    assert last["counts"] == {"products": 500} and last["finished_at"]
    # Once recovered: the same story, with the resumption queued.
    sched.recover_stale_runs()
    card = products_card(client, auth_headers)
    assert card["running"] is False
    assert (card["last_run"]["id"], card["last_run"]["status"], card["last_run"]["error"]) == \
        (run.id, "failed", runner.ABANDONED_ERROR)
    assert card["queued"] and card["queued"]["trigger"] == "manual"
