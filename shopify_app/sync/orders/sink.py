"""The bulk download's sink: JSONL objects of an orders bulk operation -> batched upserts.

Order rows reset their shipping lines and fulfillment orders; child objects
(LineItem, ShippingLine, FulfillmentOrder, Return) follow their order in any order, in this
batch or a later one. New orders outside the import filter are skipped when asked
(incremental downloads bring every changed order). A batch that fails to write is
written again an order at a time: a poison order is kept in `failures` and the others
land (the run records them).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from ...extensions import db
from ...models import Order, OrderLine
from ...shopify.gids import typename
from .. import bulk
from ..flows import RunContext
from ..returns.normalize import return_from_node
from ..returns.write import apply_returns
from ..upsert import upsert
from .broker import mark_cancelled_in_shopify
from .filter import wanted_new
from .mapper import Mapper, mapped_fields, mapped_shipping
from .normalize import fulfillment_order_from_node, line_row_from_node, order_row_from_node, ship_line_from_node
from .write import ORDER_KEEP, attach_placeholders, held_orders, stored_versions


def failure_of(order: dict, exc: Exception) -> dict:
    """How a run records an order it could not apply."""
    return {"id": order.get("id"), "name": order.get("name"), "error": f"{type(exc).__name__}: {exc}"[:300]}


class OrderSink(bulk.Sink):
    """Bulk JSONL objects -> batched upserts (no commit: `bulk.ingest` commits a batch)."""

    def __init__(self, shop_id: int, mapper: Mapper, ctx: RunContext | None = None, *,
                 settings: dict | None = None, filter_new: bool = False):
        self.shop_id = shop_id
        self.mapper = mapper
        self.ctx = ctx
        self.settings = settings
        self.filter_new = filter_new
        self.orders: list[dict] = []
        self.lines: list[dict] = []
        self.returns: list[dict] = []
        self.children: dict[str, dict[str, list]] = {}
        self.versions: dict[str, datetime | None] = {}  # this batch's and the last batch's orders
        self.previous: dict[str, datetime | None] = {}
        self.skipped: set[str] = set()
        self.failures: list[dict] = []  # orders that could not be written: {id, name, error}

    def add(self, obj: dict) -> None:
        kind = typename(obj.get("id"))
        parent = obj.get("__parentId")
        if parent is None and kind == "Order":
            try:
                row = {**order_row_from_node(obj, ship_lines=[], fulfillment_orders=[]), "shop_id": self.shop_id}
                row.update(mapped_fields(self.mapper, row))  # skipped or not, the values met are recorded
            except Exception as exc:  # an order we cannot read: recorded, its children skipped
                self.failures.append(failure_of(obj, exc))
                self.skipped.add(obj.get("id"))
                return
            self.orders.append(row)
            self.versions[row["shopify_id"]] = row["shopify_updated_at"]
        elif parent is None or parent in self.skipped:
            return
        elif kind == "LineItem":
            self.lines.append({**line_row_from_node(obj, parent, None), "shop_id": self.shop_id})
        elif kind == "ShippingLine":
            self.children.setdefault(parent, {}).setdefault("shipping_lines", []).append(ship_line_from_node(obj))
        elif kind == "FulfillmentOrder":
            self.children.setdefault(parent, {}).setdefault("fulfillment_orders", []).append(
                fulfillment_order_from_node(obj))
        elif kind == "Return":
            self.returns.append(return_from_node(obj, parent, None, None))

    def flush(self) -> None:
        rows = self.orders
        if self.filter_new and rows:
            held = held_orders(self.shop_id, [r["shopify_id"] for r in rows])
            kept = []
            for row in rows:
                if row["shopify_id"] in held or wanted_new(row, self.settings):
                    kept.append(row)
                else:
                    self.skipped.add(row["shopify_id"])
            rows = kept
            self.lines = [l for l in self.lines if l["order_shopify_id"] not in self.skipped]
        # versions of the lines' orders: this batch, the last one, else the database
        known = {**self.previous, **self.versions}
        missing = {l["order_shopify_id"] for l in self.lines + self.returns} - set(known)
        known.update(stored_versions(self.shop_id, missing))
        for line in self.lines:
            line["order_updated_at"] = known.get(line["order_shopify_id"])
        try:
            written = self._write(rows, self.lines, self.children, known)
        except Exception:  # a poison order in the batch: write the batch an order at a time
            db.session.rollback()
            written = self._write_one_by_one(rows, known)
        unwritten = self.skipped | {f["id"] for f in self.failures}
        self.returns = [r for r in self.returns if r["order_shopify_id"] not in unwritten]
        if self.returns:
            for ret in self.returns:
                ret["order_updated_at"] = known.get(ret["order_shopify_id"])
            apply_returns(self.shop_id, self.returns)
        self.mapper.record()
        if self.ctx is not None:
            self.ctx.count("orders", written[0])
            self.ctx.count("lines", written[1])
            if written[2]:
                self.ctx.count("placeholder_lines", written[2])
        self.previous, self.versions = self.versions, {}
        self.orders, self.lines, self.returns, self.children = [], [], [], {}

    def _write_one_by_one(self, rows: list[dict], known: dict) -> tuple[int, int, int]:
        """Each order with its lines and children; one that fails rolls the batch back,
        is kept in `failures` (id, name, error), and the batch is written again without
        it (no savepoints: SQLite cannot upgrade their read snapshot after another write)."""
        batch = {r["shopify_id"] for r in rows}
        groups = [(row, [row], row["shopify_id"]) for row in rows]
        groups.append(({"shopify_id": None, "name": None}, [], None))  # children of earlier batches' orders
        failed: set = set()
        while True:
            written = (0, 0, 0)
            try:
                for row, group_rows, order_gid in groups:
                    if row["shopify_id"] in failed:
                        continue
                    current = row
                    lines = [l for l in self.lines if (l["order_shopify_id"] == order_gid if order_gid
                                                       else l["order_shopify_id"] not in batch)]
                    children = {k: v for k, v in self.children.items()
                                if (k == order_gid if order_gid else k not in batch)}
                    one = self._write(group_rows, lines, children, known)
                    written = tuple(a + b for a, b in zip(written, one))
                return written
            except Exception as exc:
                db.session.rollback()
                self.failures.append(failure_of({"id": current["shopify_id"], "name": current.get("name")}, exc))
                failed.add(current["shopify_id"])
                if current["shopify_id"] is None:  # the earlier orders' children: nothing more to try
                    return written

    def _write(self, rows: list[dict], lines: list[dict], children: dict, known: dict) -> tuple[int, int, int]:
        """Orders, lines and children; (orders, lines, placeholder lines) written."""
        flagged = attach_placeholders(self.shop_id, lines) if lines else 0
        placeholder_orders = {l["order_shopify_id"] for l in lines if l["placeholder_product"]}
        for row in rows:
            row["has_placeholder_products"] = row["shopify_id"] in placeholder_orders
        if rows:
            upsert(db.session, Order, rows, newer="shopify_updated_at", keep=ORDER_KEEP)
            mark_cancelled_in_shopify(self.shop_id, [r["shopify_id"] for r in rows if r.get("cancelled_at")])
        if placeholder_orders - {r["shopify_id"] for r in rows}:
            db.session.execute(update(Order).where(
                Order.shop_id == self.shop_id, Order.shopify_id.in_(list(placeholder_orders)))
                .values(has_placeholder_products=True).execution_options(synchronize_session=False))
        if lines:
            upsert(db.session, OrderLine, lines, newer="order_updated_at")
        if children:
            self._merge_children(children, known)
        return len(rows), len(lines), flagged

    def _merge_children(self, children: dict, versions: dict) -> None:
        """Shipping lines and fulfillment orders into their stored orders (the order's
        row reset them when it came in this download)."""
        stored = db.session.execute(
            select(Order.id, Order.shopify_id, Order.shopify_updated_at, Order.shipping_lines,
                   Order.fulfillment_orders, Order.unmapped)
            .where(Order.shop_id == self.shop_id, Order.shopify_id.in_(list(children)))).all()
        for pk, order_gid, version, ships, fos, unmapped in stored:
            if order_gid in versions and versions[order_gid] is not None and version != versions[order_gid]:
                continue  # the upsert kept a newer version (a webhook's): keep what it brought
            kids = children[order_gid]
            values = {}
            if "shipping_lines" in kids:
                merged = {s["id"]: s for s in ships or []}
                merged.update({s["id"]: s for s in kids["shipping_lines"]})
                values["shipping_lines"] = list(merged.values())
                unm = {k: v for k, v in (unmapped or {}).items() if k != "shipping_method"}
                values.update(mapped_shipping(self.mapper, values["shipping_lines"], unm))
                values["unmapped"] = unm
            if "fulfillment_orders" in kids:
                merged = {f["id"]: f for f in fos or []}
                merged.update({f["id"]: f for f in kids["fulfillment_orders"]})
                values["fulfillment_orders"] = list(merged.values())
            db.session.execute(update(Order).where(Order.id == pk).values(**values)
                               .execution_options(synchronize_session=False))
