"""The daily order reconciliation of a shop: for each of the last days, Shopify's
counts of orders created and updated that day against what we hold; a day that
differs has its orders read as ids and versions (pages of 250), the ones we lack
(and the import filter wants) or hold an older version of are fetched whole and
applied, and a report records what was found and repaired. The decisions are
`reconcile_plan`'s; upserts keep it safe beside webhooks and pulls (newer wins).
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import func, select

from ...extensions import app_settings, db
from ...models import Order, ReconciliationReport
from ..flows import RunContext
from .fetch import day_counts, fetch_order, version_pages
from .mapper import Mapper
from .normalize import order_from_node
from .reconcile_plan import DayCheck, compare, day_bounds, day_search, days_back
from .write import apply_order, stored_versions

log = logging.getLogger(__name__)

MAX_STILL_WRONG_LISTED = 100


def held_count(shop_id: int, column, day) -> int:
    start, end = day_bounds(day)
    return db.session.execute(select(func.count()).select_from(Order).where(
        Order.shop_id == shop_id, column >= start, column < end)).scalar_one()


def check_day(ctx: RunContext, day) -> DayCheck:
    created, updated = day_counts(ctx.client, day_search("created_at", day), day_search("updated_at", day))
    return DayCheck(day, created, held_count(ctx.shop.id, Order.shopify_created_at, day),
                    updated, held_count(ctx.shop.id, Order.shopify_updated_at, day))


def to_repair(ctx: RunContext, day) -> tuple[dict[str, dict], dict[str, dict]]:
    """(missing, stale) of a differing day, by order GID: its version nodes compared with ours."""
    missing: dict[str, dict] = {}
    stale: dict[str, dict] = {}
    for field_name in ("created_at", "updated_at"):
        for nodes in version_pages(ctx.client, day_search(field_name, day)):
            plan = compare(nodes, stored_versions(ctx.shop.id, [n["id"] for n in nodes]), ctx.shop.settings)
            missing.update({n["id"]: n for n in plan.missing})
            stale.update({n["id"]: n for n in plan.stale})
    return missing, stale


def repair_one(ctx: RunContext, mapper: Mapper, node: dict) -> str | None:
    """Fetch one order whole and apply it (committed by the caller, an order at a time);
    the reason it is still wrong afterwards, or None when we now hold Shopify's version."""
    try:
        whole = fetch_order(ctx.client, node["id"])
        if whole is None:
            return "gone from Shopify"
        apply_order(ctx.shop.id, order_from_node(whole), mapper, settings=ctx.shop.settings,
                    only_held_or_wanted=False)
    except Exception as exc:  # one order that cannot be applied never stops the others
        db.session.rollback()
        log.warning("%s: reconciling %s failed: %s", ctx.shop.domain, node["id"], exc)
        return f"{type(exc).__name__}: {exc}"[:300]
    ours = stored_versions(ctx.shop.id, [node["id"]]).get(node["id"])
    theirs = order_from_node(whole).order["shopify_updated_at"]
    return None if ours is not None and ours >= theirs else "not stored after the re-fetch"


def reconcile(ctx: RunContext, days: int | None = None) -> ReconciliationReport:
    """Compare the last `days` (the RECONCILE_DAYS setting) day by day, repair what
    differs, and record the report (committed)."""
    days = days or app_settings.current.reconcile_days
    report = ReconciliationReport(shop_id=ctx.shop.id, trigger=ctx.trigger, started_at=datetime.now(timezone.utc))
    checks, day_rows, missing, stale = [], [], {}, {}
    for day in days_back(datetime.now(timezone.utc).date(), days):
        check = check_day(ctx, day)
        checks.append(check)
        day_missing, day_stale = to_repair(ctx, day) if check.differs else ({}, {})
        day_rows.append({**check.as_json(), "missing": len(day_missing), "stale": len(day_stale)})
        missing.update(day_missing)
        stale.update(day_stale)
    stale = {k: v for k, v in stale.items() if k not in missing}
    mapper = Mapper(ctx.shop.id)
    wrong = []
    for node in [*missing.values(), *stale.values()]:
        reason = repair_one(ctx, mapper, node)
        if reason is not None:
            wrong.append({"id": node["id"], "name": node.get("name"), "reason": reason})
        mapper.record()
        db.session.commit()
    report.days_checked = len(checks)
    report.days = day_rows
    report.missing, report.stale = len(missing), len(stale)
    report.refetched = len(missing) + len(stale) - len(wrong)  # fetched and now held at Shopify's version
    report.still_wrong = len(wrong)
    report.still_wrong_orders = wrong[:MAX_STILL_WRONG_LISTED]
    report.finished_at = datetime.now(timezone.utc)
    db.session.add(report)
    ctx.count("days_short", sum(1 for d in day_rows if d["missing"] or d["stale"]))
    ctx.count("reconcile_missing", report.missing)
    ctx.count("reconcile_stale", report.stale)
    ctx.count("reconcile_still_wrong", report.still_wrong)
    db.session.commit()
    if missing or stale:
        log.warning("%s: reconciliation found %s missing and %s stale orders; %s still wrong",
                    ctx.shop.domain, report.missing, report.stale, report.still_wrong)
    return report


def summary(report: ReconciliationReport) -> str:
    return (f"{report.days_checked} days checked: {report.missing} missing, {report.stale} stale, "
            f"{report.refetched} re-fetched, {report.still_wrong} still wrong")


def latest_report(shop_id: int) -> ReconciliationReport | None:
    return db.session.execute(select(ReconciliationReport).where(ReconciliationReport.shop_id == shop_id)
                              .order_by(ReconciliationReport.started_at.desc(), ReconciliationReport.id.desc())
                              .limit(1)).scalar_one_or_none()
