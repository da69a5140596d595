"""The "Find Shopify connections" list: its filters read from the query string, and the
page of shops read in a bounded number of statements whatever the number of shops (a
count, the page with its store and favorite flag joined, the last run of each flow of
the page's shops), sorted favorites first, then by name."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, literal, or_, select, true, union_all

from ...extensions import db
from ...models import OperatorFavorite, ProductStore, Shop, SyncRun
from ...sync.registry import FLOWS

PAGE_SIZE = 50
MAX_SEARCH_LENGTH = 200
# The status an operator sees: uninstalled and inactive come first; an installed, active
# shop whose tokens Shopify refuses needs re-authentication.
STATUSES = ("active", "inactive", "uninstalled", "needs_reauth")
STATUS_LABELS = {"active": "Active", "inactive": "Inactive", "uninstalled": "Uninstalled",
                 "needs_reauth": "Needs re-authentication"}
NO_STORE = "none"


class BadListQuery(ValueError):
    """A filter in the query string that is not one of the choices, in words for the operator."""


@dataclass(frozen=True)
class ListQuery:
    q: str = ""
    status: str = ""
    store: str = ""  # "", NO_STORE, or a product store's id
    favorites_only: bool = False
    page: int = 1

    def args(self, **changes) -> dict:
        """The query string of this list (with `changes`), without the defaults."""
        values = {"q": self.q, "status": self.status, "store": self.store,
                  "favorites": "1" if self.favorites_only else "", "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}


def parse_list_query(args) -> ListQuery:
    q = " ".join((args.get("q") or "").split())[:MAX_SEARCH_LENGTH]
    status = (args.get("status") or "").strip()
    if status and status not in STATUSES:
        raise BadListQuery(f"status must be one of {', '.join(STATUSES)}")
    store = (args.get("store") or "").strip()
    if store and store != NO_STORE and not store.isdigit():
        raise BadListQuery("store must be a product store's id or 'none'")
    raw_page = (args.get("page") or "1").strip()
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= 1_000_000:
        raise BadListQuery("page must be a whole number from 1")
    return ListQuery(q=q, status=status, store=store, favorites_only=args.get("favorites") == "1",
                     page=int(raw_page))


@dataclass
class Row:
    id: int
    domain: str
    name: str | None
    status: str
    access_level: str
    store: str | None
    favorite: bool
    runs: dict = field(default_factory=dict)  # flow -> {"status", "at", "error"}


@dataclass
class Page:
    rows: list[Row]
    total: int
    page: int
    pages: int
    flows: tuple[str, ...]


def status_expression():
    return case((Shop.status == "uninstalled", "uninstalled"), (Shop.status == "inactive", "inactive"),
                (Shop.needs_reauth.is_(True), "needs_reauth"), else_="active")


def status_condition(status: str):
    if status in ("uninstalled", "inactive"):
        return Shop.status == status
    reauth = Shop.needs_reauth.is_(True) if status == "needs_reauth" else Shop.needs_reauth.is_(False)
    return and_(Shop.status == "active", reauth)


def like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_connections(query: ListQuery, operator_id: int) -> Page:
    favorite = and_(OperatorFavorite.shop_id == Shop.id, OperatorFavorite.operator_id == operator_id)
    conditions = []
    if query.q:
        pattern = like_pattern(query.q)
        conditions.append(or_(func.lower(Shop.name).like(pattern, escape="\\"),
                              Shop.domain.like(pattern, escape="\\")))
    if query.status:
        conditions.append(status_condition(query.status))
    if query.store == NO_STORE:
        conditions.append(Shop.product_store_id.is_(None))
    elif query.store:
        conditions.append(Shop.product_store_id == int(query.store))
    if query.favorites_only:
        conditions.append(OperatorFavorite.shop_id.is_not(None))

    total = db.session.execute(
        select(func.count(Shop.id)).outerjoin(OperatorFavorite, favorite).where(*conditions)).scalar_one()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(query.page, pages)
    listing = (
        select(Shop.id, Shop.domain, Shop.name, Shop.access_level, status_expression().label("status"),
               ProductStore.name.label("store"), OperatorFavorite.shop_id.is_not(None).label("favorite"))
        .outerjoin(ProductStore, ProductStore.id == Shop.product_store_id)
        .outerjoin(OperatorFavorite, favorite)
        .where(*conditions)
        .order_by(case((OperatorFavorite.shop_id.is_not(None), 0), else_=1),
                  func.lower(func.coalesce(Shop.name, Shop.domain)), Shop.domain)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    )
    rows = [Row(id=r.id, domain=r.domain, name=r.name, status=r.status, access_level=r.access_level,
                store=r.store, favorite=bool(r.favorite)) for r in db.session.execute(listing)]
    attach_last_runs(rows)
    return Page(rows=rows, total=total, page=page, pages=pages, flows=tuple(FLOWS))


def attach_last_runs(rows: list[Row]) -> None:
    """Each row's last run (not merely queued) of each flow, in one statement: per shop and
    flow, the newest run read backwards on ix_sync_runs_shop_id_flow_id, so the cost does
    not grow with the history."""
    if not rows:
        return
    by_id = {row.id: row for row in rows}
    flows = union_all(*(select(literal(name).label("flow")) for name in FLOWS)).subquery("flows")
    newest = (select(SyncRun.id)
              .where(SyncRun.shop_id == Shop.id, SyncRun.flow == flows.c.flow, SyncRun.status != "queued")
              .order_by(SyncRun.id.desc()).limit(1).correlate(Shop, flows).scalar_subquery())
    newest_ids = select(newest).select_from(Shop).join(flows, true()).where(Shop.id.in_(by_id))
    runs = select(SyncRun.shop_id, SyncRun.flow, SyncRun.status, SyncRun.started_at, SyncRun.finished_at,
                  SyncRun.error).where(SyncRun.id.in_(newest_ids))
    for run in db.session.execute(runs):
        by_id[run.shop_id].runs[run.flow] = {"status": run.status, "at": run.finished_at or run.started_at,
                                             "error": run.error}
