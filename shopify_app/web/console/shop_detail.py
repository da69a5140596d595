"""A connection's page (`GET /console/shops/<domain>`): the summary, every flow with its
runs, the latest reconciliation, locations and mappings; and what any operator may do
there: sync a flow now, retry one order, reconcile now. The settings only super users
change are in shop_settings.py and shop_mappings.py; cloning in clone.py.

Each action is a POST form (CSRF-checked by the blueprint), audited, and goes back to
the page with a message; a failure (Shopify's included) is a message, never a 500."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from ...extensions import db
from ...models import FlowState, Shop, SyncRun
from ...models.mappings import MAPPING_KIND_TABLE
from ...product_stores import list_stores
from ...shopify.access import AccessLevel, max_level_for_scopes
from ...sync.clone_plan import PART_LABELS, PARTS
from ...sync.connection_actions import ConnectionActionError, queue_reconciliation, retry_order
from ...sync.locations.mapping import facilities_of
from ...sync.locations.store import locations_of
from ...sync.mappings.catalogue import CATALOGUE_KIND, KINDS, oms_values
from ...sync.mappings.values import recorded_values
from ...sync.orders.reconcile import latest_report
from ...sync.registry import FLOWS, interval_for
from ...sync.run_queue import queue_run
from ...sync.runner import flow_state, skip_reason
from .auth import record, requires
from .connections import shop_or_404

RECENT_RUNS = 5
RUNS_PER_PAGE = 25


def page_url(shop: Shop, anchor: str = "") -> str:
    return url_for("console.shop_detail", domain=shop.domain) + (f"#{anchor}" if anchor else "")


def back_to(shop: Shop, anchor: str = ""):
    return redirect(page_url(shop, anchor), 303)


def runs_of(shop_id: int, flow: str, limit: int, offset: int = 0) -> list[SyncRun]:
    return list(db.session.execute(select(SyncRun).where(SyncRun.shop_id == shop_id, SyncRun.flow == flow)
                                   .order_by(SyncRun.id.desc()).limit(limit).offset(offset)).scalars())


def flows_of(shop: Shop) -> list[dict]:
    flows = []
    # Read, never created here: a GET changes nothing.
    states = {s.flow: s for s in db.session.execute(select(FlowState).where(FlowState.shop_id == shop.id)).scalars()}
    for name, flow in FLOWS.items():
        state = states.get(name)
        total = db.session.execute(select(func.count()).select_from(SyncRun).where(
            SyncRun.shop_id == shop.id, SyncRun.flow == name)).scalar_one()
        flows.append({"name": name, "description": flow.description, "enabled": state is None or state.enabled,
                      "interval": interval_for(name, state), "blocked": skip_reason(shop, state, name),
                      "runs": runs_of(shop.id, name, RECENT_RUNS), "total": total})
    return flows


def mappings_of(shop: Shop) -> list[dict]:
    return [{"kind": kind, "label": MAPPING_KIND_TABLE[kind].label, "values": recorded_values(shop.id, kind),
             "oms_values": oms_values(shop.id, CATALOGUE_KIND[kind]),
             "carriers": oms_values(shop.id, "carrier") if kind == "shipping_method" else []} for kind in KINDS]


@requires("staff")
def shop_detail(domain: str):
    shop = shop_or_404(domain)
    facilities = facilities_of(shop.id)
    return render_template(
        "console/shop_detail.html", shop=shop, flows=flows_of(shop), report=latest_report(shop.id),
        locations=locations_of(shop.id), facilities=facilities,
        facility_list=sorted(facilities.values(), key=lambda f: f.name), mappings=mappings_of(shop),
        stores=list_stores(), levels=[level.value for level in AccessLevel],
        ceiling=max_level_for_scopes(shop.scopes).value, clone_parts=PARTS, part_labels=PART_LABELS)


@requires("staff")
def shop_runs(domain: str, flow: str):
    shop = shop_or_404(domain)
    if flow not in FLOWS:
        abort(404, f"There is no flow {flow!r}.")
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1 or int(page) > 100000:
        abort(400, "The page must be a whole number from 1.")
    page = int(page)
    total = db.session.execute(select(func.count()).select_from(SyncRun).where(
        SyncRun.shop_id == shop.id, SyncRun.flow == flow)).scalar_one()
    pages = max(1, -(-total // RUNS_PER_PAGE))
    runs = runs_of(shop.id, flow, RUNS_PER_PAGE, (page - 1) * RUNS_PER_PAGE)
    return render_template("console/shop_runs.html", shop=shop, flow=flow, runs=runs, page=page, pages=pages,
                           total=total)


@requires("staff")
def sync_now(domain: str, flow: str):
    shop = shop_or_404(domain)
    if flow not in FLOWS:
        abort(404, f"There is no flow {flow!r}.")
    reason = skip_reason(shop, flow_state(shop.id, flow), flow)
    if reason is not None:
        flash(f"{flow.capitalize()} cannot run now: {reason}.", "critical")
        return back_to(shop, f"flow-{flow}")
    run, created = queue_run(shop.id, flow, "manual")
    if created:
        record("run.queue", shop=shop, after={"flow": flow, "run": run.id, "trigger": "manual"})
        db.session.commit()
    flash(f"{flow.capitalize()} run {run.id} is queued: the scheduler starts it within seconds."
          if created else f"{flow.capitalize()} run {run.id} was queued already.", "success")
    return back_to(shop, f"flow-{flow}")


@requires("staff")
def retry_one_order(domain: str):
    shop = shop_or_404(domain)
    ref = request.form.get("order", "")
    back = request.form.get("back") == "runs"
    try:
        outcome, order_gid, name = retry_order(shop, ref)
    except ConnectionActionError as exc:
        flash(f"Order {ref.strip()[:60]!r} was not retried: {exc}.", "critical")
        return back_to(shop, "retry-order")
    record("order.retry", shop=shop, after={"order": order_gid, "name": name, "outcome": outcome})
    db.session.commit()
    flash(f"Order {name or order_gid} was fetched again from Shopify: {outcome}.", "success")
    return back_to(shop, "flow-orders" if back else "retry-order")


@requires("staff")
def reconcile_now(domain: str):
    shop = shop_or_404(domain)
    try:
        run, created = queue_reconciliation(shop)
    except ConnectionActionError as exc:
        flash(f"The reconciliation was not queued: {exc}.", "critical")
        return back_to(shop, "reconciliation")
    record("reconcile.queue", shop=shop, after={"run": run.id, "created": created})
    db.session.commit()
    flash(f"The orders reconciliation is queued (run {run.id}): the report below is replaced when it finishes.",
          "success")
    return back_to(shop, "reconciliation")
