"""The audit log (`/console/audit`, super users only): who, when, which shop, what,
before -> after; filtered by shop, actor, action and date range, newest first, paged.
What it shows was cleaned of secrets when written (audit.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import abort, render_template, request
from sqlalchemy import func, select

from ...extensions import db
from ...models import AuditEntry
from .auth import requires

PER_PAGE = 50
MAX_FILTER = 255


@dataclass(frozen=True)
class AuditQuery:
    shop: str = ""
    actor: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1

    def args(self, **overrides) -> dict:
        values = {"shop": self.shop, "actor": self.actor, "action": self.action,
                  "from": self.since.isoformat() if self.since else "",
                  "to": self.until.isoformat() if self.until else "", "page": self.page, **overrides}
        return {k: v for k, v in values.items() if v not in ("", None, 1)}


def parse_day(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400, f"{name} must be a date such as 2026-12-01.")


def parse_query(args) -> AuditQuery:
    texts = {k: (args.get(k) or "").strip() for k in ("shop", "actor", "action")}
    if any(len(v) > MAX_FILTER for v in texts.values()):
        abort(400, f"A filter is at most {MAX_FILTER} characters.")
    page = args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= 100000:
        abort(400, "The page must be a whole number from 1.")
    since, until = parse_day(args.get("from", "").strip(), "From"), parse_day(args.get("to", "").strip(), "To")
    if since and until and since > until:
        abort(400, "From must not be after To.")
    return AuditQuery(shop=texts["shop"].lower(), actor=texts["actor"].lower(), action=texts["action"],
                      since=since, until=until, page=int(page))


def filtered(query: AuditQuery):
    stmt = select(AuditEntry)
    if query.shop:
        stmt = stmt.where(AuditEntry.shop_domain == query.shop)
    if query.actor:
        stmt = stmt.where(func.lower(AuditEntry.actor) == query.actor)
    if query.action:
        stmt = stmt.where(AuditEntry.action == query.action)
    if query.since:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(query.since, time.min, timezone.utc))
    if query.until:
        stmt = stmt.where(AuditEntry.at < datetime.combine(query.until + timedelta(days=1), time.min, timezone.utc))
    return stmt


@requires("super_user")
def audit():
    query = parse_query(request.args)
    stmt = filtered(query)
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    pages = max(1, -(-total // PER_PAGE))
    entries = db.session.execute(stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                 .limit(PER_PAGE).offset((query.page - 1) * PER_PAGE)).scalars().all()
    actions = db.session.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).scalars().all()
    return render_template("console/audit.html", entries=entries, query=query, total=total, pages=pages,
                           actions=actions)
