"""Orders flow: orders come down from Shopify into the OMS tables and its brokering queue.

- first run: a bulk operation over open, unfulfilled orders (or all open ones, or
  since a date: `shop.settings["order_import"]` "unfulfilled"|"open",
  `shop.settings["orders_since"]` "YYYY-MM-DD");
- later runs: every order updated since the cursor minus an overlap window (pages, or
  a bulk operation when the change set is large); orders already held take every
  change (cancellations, edits, address changes, refunds), new ones the import filter;
- `orders/create|updated|cancelled` apply their payload at once; `orders/edited` and
  `refunds/create` fetch the whole order (their payloads are partial);
- a webhook and a pull racing on one order keep the newer version (`updatedAt`);
- sales channel, payment and shipping methods go through the mappings (None and
  listed in `unmapped` when not mapped); new orders enter the brokering queue;
- a line whose product is deleted or not downloaded yet gets a flagged placeholder
  product, never blocking the order;
- the daily reconciliation compares Shopify's counts per day with ours and fetches
  the days that are short.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, func, or_, select, update

from ..extensions import db
from ..models import FlowState, Order, OrderLine, Product, Shop, Variant
from ..shopify.access import AccessLevel
from ..shopify.documents import load_document
from . import bulk, privacy
from ..shopify.gids import gid, typename
from ..shopify.times import parse_time, search_time as iso
from .bulk import window_start
from .flows import RunContext, register_flow
from .upsert import upsert

log = logging.getLogger(__name__)

try:
    from . import mappings as _mappings
except ImportError:  # pragma: no cover
    _mappings = None

FLOW = "orders"
OVERLAP = timedelta(minutes=10)
BULK_THRESHOLD = 1000
PAGE_SIZE = 4  # requested cost about 205 an order (lines inline): under the 1,000 cap
RECONCILE_DAYS = 7

ORDER_KEEP = ("broker_status", "queued_at")  # the OMS owns these once the order is in


# --- mappings -------------------------------------------------------------------------

class Mapper:
    """Mapping resolution for one shop, cached for a run; remembers values met."""

    def __init__(self, shop_id: int):
        self.shop_id = shop_id
        self._cache: dict[tuple[str, str], str | None] = {}
        self.seen: dict[str, set[str]] = {}

    def resolve(self, kind: str, value: str | None) -> str | None:
        if not value:
            return None
        self.seen.setdefault(kind, set()).add(value)
        key = (kind, value)
        if key not in self._cache:
            result = None
            if _mappings is not None:
                try:
                    result = _mappings.resolve(self.shop_id, kind, value)
                except Exception:
                    log.exception("mapping %s failed", kind)
            self._cache[key] = result
        return self._cache[key]

    def carrier(self, shipping_title: str | None) -> str | None:
        """The carrier mapped with a shipping method (None when unmapped or none set)."""
        if not shipping_title or _mappings is None:
            return None
        key = ("shipping_carrier", shipping_title)
        if key not in self._cache:
            try:
                self._cache[key] = _mappings.resolve_shipping(self.shop_id, shipping_title)[1]
            except Exception:
                log.exception("shipping carrier mapping failed")
                self._cache[key] = None
        return self._cache[key]

    def record(self) -> None:
        if _mappings is None:
            return
        for kind, values in self.seen.items():
            if values:
                try:
                    with db.session.begin_nested():
                        _mappings.record_seen(self.shop_id, kind, sorted(values), source="order")
                except Exception:
                    log.exception("could not record %s values", kind)
        self.seen = {}


def channel_of(node: dict) -> str | None:
    """The Shopify value the sales-channel mapping reads: the source name, else the app."""
    return node.get("sourceName") or ((node.get("app") or {}).get("name")) or (
        (node.get("attribution") or {}).get("handle"))


def shipping_title(lines: list[dict]) -> str | None:
    for line in lines or []:
        if not line.get("removed"):
            return line.get("title")
    return None


def mapped_fields(mapper: Mapper, channel: str | None, gateways: list[str], ship_title: str | None,
                  *, with_shipping: bool = True) -> dict:
    unmapped: dict[str, str] = {}
    sales_channel = mapper.resolve("sales_channel", channel)
    if channel and sales_channel is None:
        unmapped["sales_channel"] = channel
    payment = None
    for g in gateways or []:
        payment = mapper.resolve("payment_method", g)
        if payment:
            break
    if gateways and payment is None:
        unmapped["payment_method"] = gateways[0]
    out = {"sales_channel": sales_channel, "payment_method": payment}
    if with_shipping:
        method = mapper.resolve("shipping_method", ship_title)
        if ship_title and method is None:
            unmapped["shipping_method"] = ship_title
        out["shipping_method"] = method
        out["shipping_carrier"] = mapper.carrier(ship_title) if method else None
    out["unmapped"] = unmapped
    return out


# --- normalising ------------------------------------------------------------------------

def _money(value) -> str | None:
    if isinstance(value, dict):
        money = value.get("shopMoney") or value.get("shop_money") or value
        amount = money.get("amount") if isinstance(money, dict) else None
        return None if amount is None else str(amount)
    return None if value is None else str(value)


def _address(a: dict | None) -> dict | None:
    if not a:
        return None
    return {
        "name": a.get("name"), "first_name": a.get("firstName", a.get("first_name")),
        "last_name": a.get("lastName", a.get("last_name")), "company": a.get("company"),
        "address1": a.get("address1"), "address2": a.get("address2"), "city": a.get("city"),
        "province": a.get("province"), "province_code": a.get("provinceCode", a.get("province_code")),
        "zip": a.get("zip"), "country": a.get("country"),
        "country_code": a.get("countryCodeV2", a.get("country_code")), "phone": a.get("phone"),
    }


def _tax_lines(lines) -> list[dict]:
    return [{"title": t.get("title"), "rate": t.get("rate"), "amount": _money(t.get("priceSet", t.get("price")))}
            for t in lines or []]


def ship_line(node: dict) -> dict:
    return {"id": node.get("id"), "title": node.get("title"), "code": node.get("code"),
            "source": node.get("source"), "carrier": node.get("carrierIdentifier"),
            "price": _money(node.get("originalPriceSet")), "removed": bool(node.get("isRemoved"))}


def fulfillment_order(node: dict) -> dict:
    loc = node.get("assignedLocation") or {}
    return {"id": node.get("id"), "status": node.get("status"), "request_status": node.get("requestStatus"),
            "location_id": (loc.get("location") or {}).get("id"), "location_name": loc.get("name"),
            "updated_at": node.get("updatedAt")}


def order_row(shop_id: int, node: dict, mapper: Mapper, *, ship_lines: list[dict] | None,
              fos: list[dict] | None) -> dict:
    customer = node.get("customer") or None
    cust = None
    if customer:
        cust = {
            "id": customer.get("id"),
            "first_name": customer.get("firstName"),
            "last_name": customer.get("lastName"),
            "email": ((customer.get("defaultEmailAddress") or {}).get("emailAddress")),
            "phone": ((customer.get("defaultPhoneNumber") or {}).get("phoneNumber")),
        }
    gateways = list(node.get("paymentGatewayNames") or [])
    channel = channel_of(node)
    row = {
        "shop_id": shop_id,
        "shopify_id": node["id"],
        "name": node.get("name"),
        "email": node.get("email"),
        "phone": node.get("phone"),
        "customer_id": cust["id"] if cust else None,
        "customer": cust,
        "shipping_address": _address(node.get("shippingAddress")),
        "billing_address": _address(node.get("billingAddress")),
        "payment_gateways": gateways,
        "source_name": node.get("sourceName"),
        "channel": channel,
        "discounts": [{"code": c} for c in node.get("discountCodes") or []],
        "tax_lines": _tax_lines(node.get("taxLines")),
        "totals": {
            "subtotal": _money(node.get("subtotalPriceSet")),
            "total": _money(node.get("totalPriceSet")),
            "current_total": _money(node.get("currentTotalPriceSet")),
            "tax": _money(node.get("totalTaxSet")),
            "discounts": _money(node.get("totalDiscountsSet")),
            "shipping": _money(node.get("totalShippingPriceSet")),
            "refunded": _money(node.get("totalRefundedSet")),
        },
        "currency": node.get("currencyCode"),
        "financial_status": node.get("displayFinancialStatus"),
        "fulfillment_status": node.get("displayFulfillmentStatus"),
        "refunds": [{"id": r.get("id"), "created_at": r.get("createdAt"), "note": r.get("note"),
                     "amount": _money(r.get("totalRefundedSet"))} for r in node.get("refunds") or []],
        "cancelled_at": parse_time(node.get("cancelledAt")),
        "cancel_reason": node.get("cancelReason"),
        "closed": node.get("closed"),
        "processed_at": parse_time(node.get("processedAt")),
        "shopify_created_at": parse_time(node.get("createdAt")),
        "shopify_updated_at": parse_time(node.get("updatedAt")),
        "broker_status": "queued",
        "queued_at": datetime.now(timezone.utc),
    }
    if node.get("returnStatus"):
        row["totals"]["return_status"] = node.get("returnStatus")
    row.update(mapped_fields(mapper, channel, gateways, shipping_title(ship_lines or []),
                             with_shipping=ship_lines is not None))
    if ship_lines is not None:
        row["shipping_lines"] = ship_lines
    if fos is not None:
        row["fulfillment_orders"] = fos
    return row


def line_row(shop_id: int, node: dict, order_gid: str, version: datetime | None) -> dict:
    quantity = node.get("quantity")
    current = node.get("currentQuantity", quantity)
    return {
        "shop_id": shop_id,
        "shopify_id": node["id"],
        "order_shopify_id": order_gid,
        "product_shopify_id": (node.get("product") or {}).get("id"),
        "variant_shopify_id": (node.get("variant") or {}).get("id"),
        "sku": node.get("sku") or None,
        "title": node.get("title") or node.get("name"),
        "variant_title": node.get("variantTitle"),
        "quantity": quantity,
        "current_quantity": current,
        "fulfillable_quantity": node.get("unfulfilledQuantity"),
        "unfulfilled_quantity": node.get("unfulfilledQuantity"),
        # known from webhook payloads (their refunds list the lines); a pull leaves it unknown
        "refunded_quantity": node.get("_refundedQuantity"),
        "price": _money(node.get("originalUnitPriceSet")),
        "discounted_total": _money(node.get("discountedTotalSet")),
        "discounts": [{"amount": _money(d.get("allocatedAmountSet"))} for d in node.get("discountAllocations") or []],
        "tax_lines": _tax_lines(node.get("taxLines")),
        "requires_shipping": node.get("requiresShipping"),
        "placeholder_product": False,
        "removed": current == 0,
        "order_updated_at": version,
    }


def from_rest(p: dict) -> dict:
    """An orders/* webhook payload (REST shape) as a GraphQL-shaped order node."""
    def money(v):
        return {"shopMoney": {"amount": v}} if v is not None else None

    def rest_gid(kind, value):
        return gid(kind, value) if value is not None else None

    refunded_by_line: dict[str, int] = {}
    for r in p.get("refunds") or []:
        for rl in r.get("refund_line_items") or []:
            key = str(rl.get("line_item_id"))
            refunded_by_line[key] = refunded_by_line.get(key, 0) + int(rl.get("quantity") or 0)
    lines = []
    for li in p.get("line_items") or []:
        current = li.get("current_quantity", li.get("quantity"))
        refunded = refunded_by_line.get(str(li.get("id")), 0)
        lines.append({
            "id": li.get("admin_graphql_api_id") or gid("LineItem", li["id"]),
            "name": li.get("name"), "title": li.get("title"), "variantTitle": li.get("variant_title"),
            "sku": li.get("sku"), "quantity": li.get("quantity"), "currentQuantity": current,
            "unfulfilledQuantity": li.get("fulfillable_quantity"),
            "refundableQuantity": None if current is None else max(0, current - refunded),
            "_refundedQuantity": refunded,
            "requiresShipping": li.get("requires_shipping"),
            "originalUnitPriceSet": money(li.get("price")),
            "discountedTotalSet": None,
            "discountAllocations": [{"allocatedAmountSet": money(d.get("amount"))} for d in li.get("discount_allocations") or []],
            "taxLines": [{"title": t.get("title"), "rate": t.get("rate"), "priceSet": money(t.get("price"))}
                         for t in li.get("tax_lines") or []],
            "variant": {"id": rest_gid("ProductVariant", li.get("variant_id"))} if li.get("variant_id") else None,
            "product": {"id": rest_gid("Product", li.get("product_id"))} if li.get("product_id") else None,
        })
    customer = p.get("customer") or None
    fin = p.get("financial_status")
    ful = p.get("fulfillment_status")
    return {
        "id": p.get("admin_graphql_api_id") or gid("Order", p["id"]),
        "name": p.get("name"), "email": p.get("email") or p.get("contact_email"), "phone": p.get("phone"),
        "createdAt": p.get("created_at"), "updatedAt": p.get("updated_at"), "processedAt": p.get("processed_at"),
        "cancelledAt": p.get("cancelled_at"),
        "cancelReason": (p.get("cancel_reason") or "").upper() or None,
        "closed": p.get("closed_at") is not None,
        "displayFinancialStatus": fin.upper() if fin else None,
        "displayFulfillmentStatus": {"partial": "PARTIALLY_FULFILLED", None: "UNFULFILLED"}.get(ful, str(ful).upper()),
        "currencyCode": p.get("currency"), "sourceName": p.get("source_name"),
        "paymentGatewayNames": p.get("payment_gateway_names") or [],
        "discountCodes": [d.get("code") for d in p.get("discount_codes") or [] if d.get("code")],
        "customer": {
            "id": customer.get("admin_graphql_api_id") or rest_gid("Customer", customer.get("id")),
            "firstName": customer.get("first_name"), "lastName": customer.get("last_name"),
            "defaultEmailAddress": {"emailAddress": customer.get("email")} if customer.get("email") else None,
            "defaultPhoneNumber": {"phoneNumber": customer.get("phone")} if customer.get("phone") else None,
        } if customer else None,
        "shippingAddress": p.get("shipping_address"), "billingAddress": p.get("billing_address"),
        "taxLines": [{"title": t.get("title"), "rate": t.get("rate"), "priceSet": money(t.get("price"))}
                     for t in p.get("tax_lines") or []],
        "subtotalPriceSet": money(p.get("subtotal_price")), "totalPriceSet": money(p.get("total_price")),
        "currentTotalPriceSet": money(p.get("current_total_price")), "totalTaxSet": money(p.get("total_tax")),
        "totalDiscountsSet": money(p.get("total_discounts")),
        "totalShippingPriceSet": ((p.get("total_shipping_price_set") or {}).get("shop_money") and
                                  {"shopMoney": p["total_shipping_price_set"]["shop_money"]}),
        "totalRefundedSet": None,
        "refunds": [{"id": r.get("admin_graphql_api_id") or rest_gid("Refund", r.get("id")),
                     "createdAt": r.get("created_at"), "note": r.get("note"), "totalRefundedSet": None}
                    for r in p.get("refunds") or []],
        "lineItems": {"nodes": lines},
        "shippingLines": {"nodes": [{
            "id": rest_gid("ShippingLine", s.get("id")), "title": s.get("title"), "code": s.get("code"),
            "source": s.get("source"), "carrierIdentifier": s.get("carrier_identifier"),
            "isRemoved": bool(s.get("is_removed")), "originalPriceSet": money(s.get("price")),
        } for s in p.get("shipping_lines") or []]},
    }


# --- the import filter -------------------------------------------------------------------

def import_query(settings: dict | None) -> str:
    """Shopify search for the orders a first download brings in."""
    settings = settings or {}
    terms = ["status:open"]
    if (settings.get("order_import") or "unfulfilled") == "unfulfilled":
        terms.append("fulfillment_status:unfulfilled")
    since = settings.get("orders_since")
    if since:
        terms.append(f"created_at:>='{date.fromisoformat(str(since)[:10]).isoformat()}'")
    return " AND ".join(terms)


def wanted_new(node: dict, settings: dict | None) -> bool:
    """Does a new order (one we do not hold) pass the import filter? A pure decision."""
    settings = settings or {}
    if node.get("cancelledAt") or node.get("closed"):
        return False
    if (settings.get("order_import") or "unfulfilled") == "unfulfilled":
        if (node.get("displayFulfillmentStatus") or "UNFULFILLED").upper() not in ("UNFULFILLED", "OPEN"):
            return False
    since = settings.get("orders_since")
    if since:
        created = parse_time(node.get("createdAt"))
        floor = datetime.combine(date.fromisoformat(str(since)[:10]), datetime.min.time(), tzinfo=timezone.utc)
        if created is not None and created < floor:
            return False
    return True


# --- writing --------------------------------------------------------------------------

def _held(shop_id: int, gids: list[str]) -> set[str]:
    if not gids:
        return set()
    return set(db.session.execute(
        select(Order.shopify_id).where(Order.shop_id == shop_id, Order.shopify_id.in_(gids))).scalars())


def attach_placeholders(shop_id: int, lines: list[dict]) -> int:
    """Flag lines whose variant the catalog lacks (deleted in Shopify, or not downloaded
    yet) and insert a flagged placeholder product/variant for them. Returns how many."""
    wanted = {l["variant_shopify_id"] for l in lines if l["variant_shopify_id"]}
    known = set()
    if wanted:
        known = set(db.session.execute(
            select(Variant.shopify_id).where(Variant.shop_id == shop_id, Variant.shopify_id.in_(list(wanted)),
                                             Variant.is_placeholder.is_(False))).scalars())
    products, variants = {}, {}
    flagged = 0
    for line in lines:
        vid = line["variant_shopify_id"]
        if vid and vid in known:
            continue
        line["placeholder_product"] = True
        flagged += 1
        pid = line["product_shopify_id"]
        if pid and pid not in products:
            products[pid] = {"shop_id": shop_id, "shopify_id": pid, "title": line["title"], "is_placeholder": True}
        if vid and vid not in variants:
            variants[vid] = {"shop_id": shop_id, "shopify_id": vid, "product_shopify_id": pid, "sku": line["sku"],
                             "title": line["variant_title"], "is_placeholder": True}
    if products:
        upsert(db.session, Product, list(products.values()), do_nothing=True)
    if variants:
        upsert(db.session, Variant, list(variants.values()), do_nothing=True)
    return flagged


def _stored_version(shop_id: int, order_gid: str):
    return db.session.execute(
        select(Order.shopify_updated_at).where(Order.shop_id == shop_id, Order.shopify_id == order_gid)
    ).scalar_one_or_none()


def apply_order(shop_id: int, node: dict, mapper: Mapper, *, settings: dict | None = None,
                only_held_or_wanted: bool = True) -> str:
    """Upsert one whole order with its lines. Returns 'applied', 'stale' (a newer
    version is stored) or 'skipped' (a new order outside the import filter)."""
    order_gid = node["id"]
    held = _held(shop_id, [order_gid])
    if only_held_or_wanted and not held and not wanted_new(node, settings):
        return "skipped"
    ships = None
    if node.get("shippingLines") is not None:
        ships = [ship_line(s) for s in (node["shippingLines"].get("nodes") or [])]
    fos = None
    if node.get("fulfillmentOrders") is not None:
        fos = [fulfillment_order(f) for f in (node["fulfillmentOrders"].get("nodes") or [])]
    row = order_row(shop_id, node, mapper, ship_lines=ships, fos=fos)
    line_nodes = (node.get("lineItems") or {}).get("nodes") or []
    lines = [line_row(shop_id, l, order_gid, row["shopify_updated_at"]) for l in line_nodes]
    row["has_placeholder_products"] = attach_placeholders(shop_id, lines) > 0
    upsert(db.session, Order, [row], newer="shopify_updated_at", keep=ORDER_KEEP)
    stored = _stored_version(shop_id, order_gid)
    if not bulk.is_newer(row["shopify_updated_at"], stored):
        return "stale"
    upsert(db.session, OrderLine, lines, newer="order_updated_at")
    if "lineItems" in node:  # a whole order: lines it no longer has were removed
        now = datetime.now(timezone.utc)
        db.session.execute(
            update(OrderLine).where(OrderLine.shop_id == shop_id, OrderLine.order_shopify_id == order_gid,
                                    OrderLine.shopify_id.not_in([l["shopify_id"] for l in lines]),
                                    OrderLine.removed.is_(False))
            .values(removed=True, current_quantity=0, updated_at=now).execution_options(synchronize_session=False))
    return "applied"


class OrderSink(bulk.Sink):
    """Bulk JSONL objects -> batched upserts. Order rows reset their shipping lines and
    fulfillment orders; child lines (LineItem, ShippingLine, FulfillmentOrder) follow
    their order in any order. New orders outside the import filter are skipped
    (incremental downloads bring every changed order)."""

    def __init__(self, shop_id: int, mapper: Mapper, ctx: RunContext | None = None, *,
                 settings: dict | None = None, filter_new: bool = False):
        self.shop_id = shop_id
        self.mapper = mapper
        self.ctx = ctx
        self.settings = settings
        self.filter_new = filter_new
        self.orders: list[tuple[dict, dict]] = []
        self.lines: list[dict] = []
        self.children: dict[str, dict[str, list]] = {}
        self.versions: dict[str, datetime | None] = {}  # this batch's and the last batch's orders
        self.previous: dict[str, datetime | None] = {}
        self.skipped: set[str] = set()

    def add(self, obj: dict) -> None:
        kind = typename(obj.get("id"))
        parent = obj.get("__parentId")
        if parent is None and kind == "Order":
            row = order_row(self.shop_id, obj, self.mapper, ship_lines=[], fos=[])
            self.orders.append((row, obj))
            self.versions[row["shopify_id"]] = row["shopify_updated_at"]
        elif parent is None or parent in self.skipped:
            return
        elif kind == "LineItem":
            self.lines.append(line_row(self.shop_id, obj, parent, None))
        elif kind == "ShippingLine":
            self.children.setdefault(parent, {}).setdefault("shipping_lines", []).append(ship_line(obj))
        elif kind == "FulfillmentOrder":
            self.children.setdefault(parent, {}).setdefault("fulfillment_orders", []).append(fulfillment_order(obj))

    def flush(self) -> None:
        orders = self.orders
        if self.filter_new and orders:
            held = _held(self.shop_id, [r["shopify_id"] for r, _ in orders])
            kept = []
            for row, node in orders:
                if row["shopify_id"] in held or wanted_new(node, self.settings):
                    kept.append((row, node))
                else:
                    self.skipped.add(row["shopify_id"])
            orders = kept
            self.lines = [l for l in self.lines if l["order_shopify_id"] not in self.skipped]
        rows = [r for r, _ in orders]
        # versions of the lines' orders: this batch, the last one, else the database
        known = {**self.previous, **self.versions}
        missing = {l["order_shopify_id"] for l in self.lines} - set(known)
        if missing:
            known.update(dict(db.session.execute(
                select(Order.shopify_id, Order.shopify_updated_at)
                .where(Order.shop_id == self.shop_id, Order.shopify_id.in_(list(missing)))).all()))
        for line in self.lines:
            line["order_updated_at"] = known.get(line["order_shopify_id"])
        flagged = attach_placeholders(self.shop_id, self.lines) if self.lines else 0
        placeholder_orders = {l["order_shopify_id"] for l in self.lines if l["placeholder_product"]}
        for row in rows:
            row["has_placeholder_products"] = row["shopify_id"] in placeholder_orders
        if rows:
            upsert(db.session, Order, rows, newer="shopify_updated_at", keep=ORDER_KEEP)
        if placeholder_orders - {r["shopify_id"] for r in rows}:
            db.session.execute(update(Order).where(
                Order.shop_id == self.shop_id, Order.shopify_id.in_(list(placeholder_orders)))
                .values(has_placeholder_products=True).execution_options(synchronize_session=False))
        if self.lines:
            upsert(db.session, OrderLine, self.lines, newer="order_updated_at")
        if self.children:
            self._merge_children(known)
        self.mapper.record()
        if self.ctx is not None:
            self.ctx.count("orders", len(rows))
            self.ctx.count("lines", len(self.lines))
            if flagged:
                self.ctx.count("placeholder_lines", flagged)
        self.previous, self.versions = self.versions, {}
        self.orders, self.lines, self.children = [], [], {}

    def _merge_children(self, versions: dict) -> None:
        stored = db.session.execute(
            select(Order.id, Order.shopify_id, Order.shopify_updated_at, Order.shipping_lines,
                   Order.fulfillment_orders, Order.channel, Order.payment_gateways, Order.unmapped)
            .where(Order.shop_id == self.shop_id, Order.shopify_id.in_(list(self.children)))).all()
        for pk, order_gid, version, ships, fos, channel, gateways, unmapped in stored:
            if order_gid in versions and versions[order_gid] is not None and version != versions[order_gid]:
                continue  # a newer version (a webhook) holds the order: keep what it brought
            kids = self.children[order_gid]
            values = {}
            if "shipping_lines" in kids:
                merged = {s["id"]: s for s in ships or []}
                merged.update({s["id"]: s for s in kids["shipping_lines"]})
                values["shipping_lines"] = list(merged.values())
                title = shipping_title(values["shipping_lines"])
                method = self.mapper.resolve("shipping_method", title)
                values["shipping_method"] = method
                values["shipping_carrier"] = self.mapper.carrier(title) if method else None
                unm = {k: v for k, v in (unmapped or {}).items() if k != "shipping_method"}
                if title and method is None:
                    unm["shipping_method"] = title
                values["unmapped"] = unm
            if "fulfillment_orders" in kids:
                merged = {f["id"]: f for f in fos or []}
                merged.update({f["id"]: f for f in kids["fulfillment_orders"]})
                values["fulfillment_orders"] = list(merged.values())
            db.session.execute(update(Order).where(Order.id == pk).values(**values)
                               .execution_options(synchronize_session=False))


# --- fetching -----------------------------------------------------------------------------

def bulk_query(search: str) -> str:
    return load_document("orders_bulk").replace("updated_at:>='1970-01-01T00:00:00Z'", search.replace('"', "'"))


def run_bulk(ctx: RunContext, search: str, *, first: bool, move_cursor: bool = True) -> None:
    mapper = Mapper(ctx.shop.id)
    sink = OrderSink(ctx.shop.id, mapper, ctx, settings=ctx.shop.settings, filter_new=not first)
    result = bulk.run(ctx, bulk_query(search), sink, kind="orders", extra={"search": search, "first": first})
    if move_cursor:
        ctx.commit_cursor(result.operation["started_at"])


def fetch_pages(ctx: RunContext, search: str, *, only_held_or_wanted: bool) -> int:
    mapper = Mapper(ctx.shop.id)
    after = None
    done = 0
    while True:
        data = ctx.client.execute("orders_page", {"first": PAGE_SIZE, "after": after, "query": search})
        conn = data["orders"]
        for node in conn["nodes"]:  # every Shopify call of the page before its writes
            _complete_lines(ctx.client, node)
        for node in conn["nodes"]:
            outcome = apply_order(ctx.shop.id, node, mapper, settings=ctx.shop.settings,
                                  only_held_or_wanted=only_held_or_wanted)
            ctx.count(f"orders_{outcome}")
            if outcome == "applied":
                ctx.count("orders")
        mapper.record()
        db.session.commit()  # one transaction a page
        done += len(conn["nodes"])
        ctx.report_progress(objects=done)
        if not conn["pageInfo"]["hasNextPage"]:
            return done
        after = conn["pageInfo"]["endCursor"]


def _complete_lines(client, node: dict) -> None:
    """An order's line items beyond the first page: apply_order takes the list as whole."""
    conn = node.get("lineItems") or {}
    page = conn.get("pageInfo") or {}
    while page.get("hasNextPage"):
        more = (client.execute("orders_lines", {"id": node["id"], "after": page["endCursor"]}).get("order")
                or {}).get("lineItems") or {}
        conn.setdefault("nodes", []).extend(more.get("nodes") or [])
        page = more.get("pageInfo") or {}


def shopify_count(ctx: RunContext, search: str) -> int:
    data = ctx.client.execute("orders_count", {"query": search})
    return int((data.get("ordersCount") or {}).get("count") or 0)


def reconcile(ctx: RunContext) -> None:
    """Per day, for the last days: Shopify's count of importable orders against ours;
    a day that is short is fetched again (upserts make it safe)."""
    today = datetime.now(timezone.utc).date()
    base = import_query(ctx.shop.settings)
    short = 0
    for back in range(RECONCILE_DAYS):
        day = today - timedelta(days=back)
        start = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc)
        end = start + timedelta(days=1)
        search = f"{base} AND created_at:>='{iso(start)}' AND created_at:<'{iso(end)}'"
        theirs = shopify_count(ctx, search)
        ours = db.session.execute(select(func.count()).select_from(Order).where(
            Order.shop_id == ctx.shop.id, Order.shopify_created_at >= start, Order.shopify_created_at < end)).scalar_one()
        if theirs > ours:
            short += 1
            log.warning("%s: %s orders in Shopify on %s, %s here: fetching the day", ctx.shop.domain, theirs, day, ours)
            fetch_pages(ctx, search, only_held_or_wanted=False)
    ctx.count("days_short", short)


@register_flow(FLOW, min_level=AccessLevel.READ, default_interval_minutes=5,
               description="Orders, Shopify to OMS (and its brokering queue)",
               stats=lambda shop: order_stats(shop))
def run_orders(ctx: RunContext) -> None:
    """Orders, Shopify to OMS."""
    pending = (ctx.state.state or {}).get("bulk")
    if pending and pending.get("kind") == "orders":
        return run_bulk(ctx, pending.get("search") or "", first=bool(pending.get("first")))
    if ctx.cursor is None:
        return run_bulk(ctx, import_query(ctx.shop.settings), first=True)
    started = datetime.now(timezone.utc)
    since = window_start(ctx.cursor, OVERLAP)
    search = f"updated_at:>='{iso(since)}'"
    changed = shopify_count(ctx, search)
    ctx.report_progress(changed=changed)
    if changed > BULK_THRESHOLD:
        run_bulk(ctx, search, first=False)
    else:
        fetch_pages(ctx, search, only_held_or_wanted=True)
        ctx.commit_cursor(iso(started))
    if ctx.trigger == "reconcile":
        reconcile(ctx)


def order_stats(shop: Shop) -> dict:
    recent = datetime.now(timezone.utc) - timedelta(minutes=15)
    total = db.session.execute(select(func.count()).select_from(Order).where(Order.shop_id == shop.id)).scalar_one()
    new = db.session.execute(select(func.count()).select_from(Order).where(
        Order.shop_id == shop.id, Order.created_at >= recent)).scalar_one()
    return {"imported_15m": new, "total": total}


# --- webhooks ----------------------------------------------------------------------------

def _shop_for_webhook(domain: str) -> Shop | None:
    from .shop import find_shop

    shop = find_shop(domain)
    if shop is None or not shop.is_active or not AccessLevel(shop.access_level).allows(AccessLevel.READ):
        return None  # uninstalled, inactive or at access none: nothing comes in
    switched_off = db.session.execute(
        select(FlowState.id).where(FlowState.shop_id == shop.id, FlowState.flow == FLOW, FlowState.enabled.is_(False))
    ).first()
    if switched_off:
        return None  # the merchant switched the flow off
    return shop


def refetch(shop: Shop, order_gid: str) -> str:
    """Fetch one whole order and apply it (for webhooks whose payload is partial)."""
    from .connection import client_for

    client = client_for(shop, min_level=AccessLevel.READ)
    node = client.execute("orders_one", {"id": order_gid}).get("order")
    if node is None:
        return "missing"
    _complete_lines(client, node)
    held = _held(shop.id, [order_gid])
    return apply_order(shop.id, node, Mapper(shop.id), settings=shop.settings, only_held_or_wanted=not held)


def _register_webhooks() -> None:
    from .webhooks import handles

    @handles("orders/create", "orders/updated", "orders/cancelled")
    def order_changed(shop_domain: str, payload: dict) -> None:
        shop = _shop_for_webhook(shop_domain)
        if shop is None:
            return
        mapper = Mapper(shop.id)
        apply_order(shop.id, from_rest(payload), mapper, settings=shop.settings)
        mapper.record()
        db.session.commit()

    @handles("orders/edited", deferred=True)
    def order_edited(shop_domain: str, payload: dict) -> None:
        shop = _shop_for_webhook(shop_domain)
        edit = payload.get("order_edit") or payload
        order_id = edit.get("order_id")
        if shop is None or order_id is None:
            return
        refetch(shop, gid("Order", order_id))
        db.session.commit()

    @handles("refunds/create", deferred=True)
    def refund_created(shop_domain: str, payload: dict) -> None:
        shop = _shop_for_webhook(shop_domain)
        if shop is None or payload.get("order_id") is None:
            return
        refetch(shop, gid("Order", payload["order_id"]))
        db.session.commit()


_register_webhooks()


# --- privacy -------------------------------------------------------------------------------

def _customer_clause(ref: privacy.CustomerRef):
    conds = []
    if ref.customer_id:
        conds.append(Order.customer_id == gid("Customer", ref.customer_id))
    if ref.email:
        conds.append(Order.email == ref.email)
    if ref.order_ids:
        conds.append(Order.shopify_id.in_([gid("Order", o) for o in ref.order_ids]))
    return and_(Order.shop_id == ref.shop.id, or_(*conds)) if conds else None


def _export(ref: privacy.CustomerRef) -> list[dict]:
    clause = _customer_clause(ref)
    if clause is None or ref.shop is None:
        return []
    return [{"order_id": o.shopify_id, "name": o.name, "email": o.email, "phone": o.phone, "customer": o.customer,
             "shipping_address": o.shipping_address, "billing_address": o.billing_address}
            for o in db.session.execute(select(Order).where(clause)).scalars()]


def _redact(ref: privacy.CustomerRef) -> int:
    clause = _customer_clause(ref)
    if clause is None or ref.shop is None:
        return 0
    return db.session.execute(update(Order).where(clause).values(
        email=None, phone=None, customer=None, customer_id=None, shipping_address=None, billing_address=None)
        .execution_options(synchronize_session=False)).rowcount or 0


privacy.register("orders", _export, _redact)
