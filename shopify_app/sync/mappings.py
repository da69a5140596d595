"""Mappings from Shopify values to OMS values, per shop.

Kinds (Shopify side)   where the values come from                    OMS catalogue
- sales_channel        order.sourceName ("web", "pos"...), the app     sales_channel
                       name of the order, the shop's publications
- product_type         productTypes (root), product.productType         product_type
- payment_method       order.paymentGatewayNames                        payment_method
- shipping_method      order.shippingLines.title, delivery profiles'    shipment_method
                       method definitions (the rate names checkout        + carrier
                       shows, which become the shipping line titles)

What the flows use:
- `record_seen(shop, kind, values)`: remember values met in data (in the caller's
  transaction; cheap when nothing is new);
- `resolve(shop_id, kind, value)`: the OMS value, or None when unmapped. Never a
  guess. Cached for a few seconds per process (a changed mapping applies to data
  processed after it); `Resolver` is a per-run snapshot for hot loops.
- `resolve_shipping(shop_id, title)`: (shipment method, carrier) or (None, None).
- `resolve_sales_channel(shop_id, source_name, app_name)`: the source name's
  mapping, else the app name's.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import Shop
from ..models.mappings import MAPPING_KINDS, OMS_VALUE_KINDS, MappingValue, OmsValue

log = logging.getLogger(__name__)

KINDS = MAPPING_KINDS
# The OMS catalogue kind each mapping kind points to.
CATALOGUE_KIND = {
    "sales_channel": "sales_channel",
    "product_type": "product_type",
    "payment_method": "payment_method",
    "shipping_method": "shipment_method",
}

# The OMS values every shop has from the start (Apache OFBiz-style identifiers).
DEFAULT_OMS_VALUES: dict[str, tuple[tuple[str, str], ...]] = {
    "product_type": (
        ("FINISHED_GOOD", "Finished good"),
        ("DIGITAL_GOOD", "Digital good"),
        ("FINDIG_GOOD", "Finished and digital good"),
        ("SERVICE", "Service"),
        ("GIFT_CARD", "Gift card"),
        ("MARKETING_PKG", "Marketing package (kit)"),
        ("RAW_MATERIAL", "Raw material"),
        ("SUBSCRIPTION", "Subscription"),
    ),
    "sales_channel": (
        ("WEB_SALES_CHANNEL", "Web"),
        ("POS_SALES_CHANNEL", "Point of sale"),
        ("PHONE_SALES_CHANNEL", "Phone"),
        ("MOBILE_SALES_CHANNEL", "Mobile app"),
        ("DRAFT_ORDER_CHANNEL", "Draft order"),
        ("MARKETPLACE_CHANNEL", "Marketplace"),
        ("SOCIAL_SALES_CHANNEL", "Social"),
        ("WHOLESALE_CHANNEL", "Wholesale (B2B)"),
        ("UNKNWN_SALES_CHANNEL", "Unknown"),
    ),
    "payment_method": (
        ("CREDIT_CARD", "Credit card"),
        ("EXT_SHOPIFY_PAYMENTS", "Shopify Payments"),
        ("EXT_PAYPAL", "PayPal"),
        ("EXT_COD", "Cash on delivery"),
        ("GIFT_CARD", "Gift card"),
        ("EXT_BILLACT", "Bill to account"),
        ("EXT_OFFLINE", "Offline / manual payment"),
        ("CASH", "Cash"),
    ),
    "shipment_method": (
        ("STANDARD", "Standard"),
        ("GROUND", "Ground"),
        ("NEXT_DAY", "Next day"),
        ("SECOND_DAY", "Second day"),
        ("THIRD_DAY", "Third day"),
        ("EXPRESS", "Express"),
        ("SAME_DAY", "Same day"),
        ("STOREPICKUP", "Store pickup"),
        ("LOCAL_DELIVERY", "Local delivery"),
        ("NO_SHIPPING", "No shipping"),
    ),
    "carrier": (
        ("_NA_", "No carrier"),
        ("UPS", "UPS"),
        ("FEDEX", "FedEx"),
        ("USPS", "USPS"),
        ("DHL", "DHL"),
        ("CANADA_POST", "Canada Post"),
        ("ROYAL_MAIL", "Royal Mail"),
        ("AUSTRALIA_POST", "Australia Post"),
    ),
}
assert set(DEFAULT_OMS_VALUES) == set(OMS_VALUE_KINDS)

OMS_VALUE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}$")
MAX_SHOPIFY_VALUE = 255

# How long a process may answer from its cache after a mapping changed elsewhere.
CACHE_TTL_SECONDS = 5.0


class MappingError(ValueError):
    """A mapping request that cannot be applied; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def normalize(value) -> str | None:
    """A Shopify value as stored: stripped text, None for nothing."""
    if value is None:
        return None
    text = str(value).strip()
    return text[:MAX_SHOPIFY_VALUE] or None


# --- the catalogue -------------------------------------------------------------

def oms_values(shop_id: int, catalogue_kind: str) -> list[dict]:
    """The OMS values available to a shop: the defaults, then the shop's own."""
    found = [{"value": v, "label": label, "default": True} for v, label in DEFAULT_OMS_VALUES[catalogue_kind]]
    known = {item["value"] for item in found}
    rows = db.session.execute(
        select(OmsValue).where(OmsValue.shop_id == shop_id, OmsValue.kind == catalogue_kind).order_by(OmsValue.value)
    ).scalars()
    for row in rows:
        if row.value not in known:
            found.append({"value": row.value, "label": row.label or row.value, "default": False})
    return found


def oms_value_exists(shop_id: int, catalogue_kind: str, value: str) -> bool:
    return value in {item["value"] for item in oms_values(shop_id, catalogue_kind)}


# --- values found in Shopify -------------------------------------------------------

# (shop_id, kind) -> set of values known to be recorded, so that record_seen is free
# when nothing is new. Entries expire like the mapping cache (a caller's rollback
# may have undone an insert: the next look after the expiry records it again).
_seen: dict[tuple[int, str], tuple[float, set[str]]] = {}
_seen_lock = threading.Lock()


def _insert(table):
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


def record_seen(shop: Shop | int, kind: str, values: Iterable, *, source: str = "order",
                labels: dict[str, str] | None = None) -> int:
    """Remember Shopify values met in data. Runs in the caller's transaction (no commit).

    Values already recorded are left as they are (their mapping untouched).
    Returns how many new values were added.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown mapping kind {kind!r}")
    shop_id = shop if isinstance(shop, int) else shop.id
    wanted = {v for v in (normalize(x) for x in values) if v}
    if not wanted:
        return 0
    now_mono = time.monotonic()
    with _seen_lock:
        stamp, known = _seen.get((shop_id, kind), (0.0, set()))
        if now_mono - stamp > CACHE_TTL_SECONDS:
            known = set()
    new = wanted - known
    if not new:
        return 0
    existing = set(
        db.session.execute(
            select(MappingValue.shopify_value).where(
                MappingValue.shop_id == shop_id, MappingValue.kind == kind, MappingValue.shopify_value.in_(new)
            )
        ).scalars()
    )
    missing = sorted(new - existing)
    added = 0
    if missing:
        now = datetime.now(timezone.utc)
        rows = [
            {
                "shop_id": shop_id,
                "kind": kind,
                "shopify_value": value,
                "label": (labels or {}).get(value),
                "source": source,
                "first_seen_at": now,
                "last_seen_at": now,
            }
            for value in missing
        ]
        stmt = _insert(MappingValue.__table__).values(rows).on_conflict_do_nothing(
            index_elements=["shop_id", "kind", "shopify_value"]
        ).returning(MappingValue.__table__.c.id)
        added = len(db.session.execute(stmt).all())
        if added:
            log.info("shop %s: %d new %s value(s) found in Shopify", shop_id, added, kind)
    with _seen_lock:
        stamp, known = _seen.get((shop_id, kind), (0.0, set()))
        if now_mono - stamp > CACHE_TTL_SECONDS:
            stamp, known = now_mono, set()
        _seen[(shop_id, kind)] = (stamp, known | wanted)
    return added


# --- resolution ------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    oms_value: str
    carrier: str | None = None


_cache: dict[tuple[int, str], tuple[float, dict[str, Target]]] = {}
_cache_lock = threading.Lock()


def _load(shop_id: int, kind: str) -> dict[str, Target]:
    rows = db.session.execute(
        select(MappingValue.shopify_value, MappingValue.oms_value, MappingValue.oms_carrier).where(
            MappingValue.shop_id == shop_id, MappingValue.kind == kind, MappingValue.oms_value.is_not(None)
        )
    ).all()
    return {value: Target(oms, carrier) for value, oms, carrier in rows}


def _table(shop_id: int, kind: str) -> dict[str, Target]:
    if kind not in KINDS:
        raise ValueError(f"unknown mapping kind {kind!r}")
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get((shop_id, kind))
    if hit is not None and now - hit[0] < CACHE_TTL_SECONDS:
        return hit[1]
    table = _load(shop_id, kind)
    with _cache_lock:
        _cache[(shop_id, kind)] = (now, table)
    return table


def invalidate(shop_id: int | None = None) -> None:
    """Forget cached mappings (all shops, or one): the next resolve reads the database."""
    with _cache_lock:
        for key in [k for k in _cache if shop_id is None or k[0] == shop_id]:
            del _cache[key]
    with _seen_lock:
        for key in [k for k in _seen if shop_id is None or k[0] == shop_id]:
            del _seen[key]


def resolve(shop_id: int, kind: str, shopify_value) -> str | None:
    """The OMS value a Shopify value maps to, or None when it is not mapped (never guessed)."""
    value = normalize(shopify_value)
    if value is None:
        return None
    target = _table(shop_id, kind).get(value)
    return target.oms_value if target else None


def resolve_shipping(shop_id: int, shopify_value) -> tuple[str | None, str | None]:
    """(OMS shipment method, carrier) for a shipping line title, or (None, None)."""
    value = normalize(shopify_value)
    target = _table(shop_id, "shipping_method").get(value) if value else None
    return (target.oms_value, target.carrier) if target else (None, None)


def resolve_sales_channel(shop_id: int, source_name=None, app_name=None) -> str | None:
    """The sales channel of an order: its source name's mapping, else its app name's."""
    return resolve(shop_id, "sales_channel", source_name) or resolve(shop_id, "sales_channel", app_name)


class Resolver:
    """A snapshot of one shop's mappings for the length of a run (no query per record)."""

    def __init__(self, shop_id: int):
        self.shop_id = shop_id
        self._tables: dict[str, dict[str, Target]] = {}

    def _get(self, kind: str) -> dict[str, Target]:
        if kind not in self._tables:
            if kind not in KINDS:
                raise ValueError(f"unknown mapping kind {kind!r}")
            self._tables[kind] = _load(self.shop_id, kind)
        return self._tables[kind]

    def resolve(self, kind: str, shopify_value) -> str | None:
        value = normalize(shopify_value)
        target = self._get(kind).get(value) if value else None
        return target.oms_value if target else None

    def shipping(self, shopify_value) -> tuple[str | None, str | None]:
        value = normalize(shopify_value)
        target = self._get("shipping_method").get(value) if value else None
        return (target.oms_value, target.carrier) if target else (None, None)

    def sales_channel(self, source_name=None, app_name=None) -> str | None:
        return self.resolve("sales_channel", source_name) or self.resolve("sales_channel", app_name)


# --- reading and changing mappings (the JSON API) -------------------------------------

def mapping_json(row: MappingValue) -> dict:
    item = {
        "shopify_value": row.shopify_value,
        "label": row.label,
        "source": row.source,
        "oms_value": row.oms_value,
        "first_seen_at": row.first_seen_at.isoformat() if row.first_seen_at else None,
        "last_seen_at": row.last_seen_at.isoformat() if row.last_seen_at else None,
        "mapped_at": row.mapped_at.isoformat() if row.mapped_at else None,
    }
    if row.kind == "shipping_method":
        item["carrier"] = row.oms_carrier
    return item


def describe(shop_id: int, kind: str) -> dict:
    """What GET /api/mappings/<kind> answers."""
    if kind not in KINDS:
        raise MappingError(404, f"unknown mapping kind {kind!r}; one of {', '.join(KINDS)}")
    rows = db.session.execute(
        select(MappingValue).where(MappingValue.shop_id == shop_id, MappingValue.kind == kind)
        .order_by(MappingValue.shopify_value)
    ).scalars().all()
    result = {
        "kind": kind,
        "values": [mapping_json(r) for r in rows],
        "unmapped": sum(1 for r in rows if r.oms_value is None),
        "oms_values": oms_values(shop_id, CATALOGUE_KIND[kind]),
    }
    if kind == "shipping_method":
        result["carriers"] = oms_values(shop_id, "carrier")
    return result


def _text(item: dict, key: str, where: str, *, required: bool = False, max_len: int = 255) -> str | None:
    value = item.get(key)
    if value is None:
        if required:
            raise MappingError(400, f"{where}: {key} is required")
        return None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > max_len:
        raise MappingError(400, f"{where}: {key} must be a non-empty string of at most {max_len} characters, or null")
    return value.strip()


def _new_oms_values(body: dict, field: str, where: str) -> list[tuple[str, str | None]]:
    raw = body.get(field, [])
    if not isinstance(raw, list):
        raise MappingError(400, f"{field} must be a list of {{\"value\", \"label\"}}")
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            item = {"value": item}
        if not isinstance(item, dict) or set(item) - {"value", "label"}:
            raise MappingError(400, f"{field}[{i}] must be {{\"value\", \"label\"}}")
        value = _text(item, "value", f"{field}[{i}]", required=True, max_len=64)
        if not OMS_VALUE_RE.match(value):
            raise MappingError(400, f"{field}[{i}]: value must be letters, digits, _ . - (at most 64)")
        out.append((value, _text(item, "label", f"{field}[{i}]")))
    return out


def apply_changes(shop_id: int, kind: str, body) -> dict:
    """Apply a PUT /api/mappings/<kind> body, all or nothing; returns the new description.

    Body: {"mappings": [{"shopify_value": str, "oms_value": str|null, "carrier": str|null}],
           "create_oms_values": [{"value", "label"}], "create_carriers": [...]}.
    `mappings` may also be an object {shopify_value: oms_value|null}.
    """
    if kind not in KINDS:
        raise MappingError(404, f"unknown mapping kind {kind!r}; one of {', '.join(KINDS)}")
    if not isinstance(body, dict):
        raise MappingError(400, "send a JSON object with \"mappings\"")
    allowed = {"mappings", "create_oms_values"} | ({"create_carriers"} if kind == "shipping_method" else set())
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise MappingError(400, f"unknown field(s): {', '.join(unknown)}")
    mappings = body.get("mappings", [])
    if isinstance(mappings, dict):
        mappings = [{"shopify_value": k, "oms_value": v} for k, v in mappings.items()]
    if not isinstance(mappings, list):
        raise MappingError(400, "mappings must be a list of {\"shopify_value\", \"oms_value\"}")

    catalogue_kind = CATALOGUE_KIND[kind]
    new_values = _new_oms_values(body, "create_oms_values", "create_oms_values")
    new_carriers = _new_oms_values(body, "create_carriers", "create_carriers") if kind == "shipping_method" else []
    available = {v["value"] for v in oms_values(shop_id, catalogue_kind)} | {v for v, _ in new_values}
    carriers = (
        {v["value"] for v in oms_values(shop_id, "carrier")} | {v for v, _ in new_carriers}
        if kind == "shipping_method" else set()
    )

    changes: dict[str, tuple[str | None, str | None]] = {}
    for i, item in enumerate(mappings):
        where = f"mappings[{i}]"
        if not isinstance(item, dict):
            raise MappingError(400, f"{where} must be an object")
        extra = set(item) - {"shopify_value", "oms_value", "carrier"}
        if extra or ("carrier" in item and kind != "shipping_method"):
            raise MappingError(400, f"{where}: unknown field(s) {', '.join(sorted(extra or {'carrier'}))}")
        if "oms_value" not in item:
            raise MappingError(400, f"{where}: oms_value is required (null to unmap)")
        shopify_value = _text(item, "shopify_value", where, required=True, max_len=MAX_SHOPIFY_VALUE)
        oms_value = _text(item, "oms_value", where, max_len=64)
        carrier = _text(item, "carrier", where, max_len=64)
        if oms_value is not None and oms_value not in available:
            raise MappingError(
                422, f"{where}: {oms_value!r} is not an OMS {catalogue_kind.replace('_', ' ')}; "
                     "add it with create_oms_values"
            )
        if carrier is not None:
            if oms_value is None:
                raise MappingError(400, f"{where}: a carrier needs an oms_value")
            if carrier not in carriers:
                raise MappingError(422, f"{where}: {carrier!r} is not an OMS carrier; add it with create_carriers")
        if shopify_value in changes:
            raise MappingError(400, f"{where}: {shopify_value!r} appears twice")
        changes[shopify_value] = (oms_value, carrier)

    now = datetime.now(timezone.utc)
    try:
        for catalogue, items in ((catalogue_kind, new_values), ("carrier", new_carriers)):
            for value, label in items:
                if oms_value_exists(shop_id, catalogue, value):
                    continue
                db.session.add(OmsValue(shop_id=shop_id, kind=catalogue, value=value, label=label, created_at=now))
        existing = {
            row.shopify_value: row
            for row in db.session.execute(
                select(MappingValue).where(
                    MappingValue.shop_id == shop_id, MappingValue.kind == kind,
                    MappingValue.shopify_value.in_(list(changes)),
                )
            ).scalars()
        } if changes else {}
        for shopify_value, (oms_value, carrier) in changes.items():
            row = existing.get(shopify_value)
            if row is None:
                # Mapped ahead of being seen: the merchant knows a value Shopify will send.
                row = MappingValue(shop_id=shop_id, kind=kind, shopify_value=shopify_value, source="manual",
                                   first_seen_at=now, last_seen_at=now)
                db.session.add(row)
            if (row.oms_value, row.oms_carrier) != (oms_value, carrier):
                row.oms_value = oms_value
                row.oms_carrier = carrier
                row.mapped_at = now
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    invalidate(shop_id)
    return describe(shop_id, kind)


# --- importing the values from Shopify -------------------------------------------------

IMPORT_ORDER_DAYS = 60
IMPORT_MAX_ORDERS = 500
# Page sizes that keep each query under Shopify's single-query cost limit (1000).
ORDERS_PAGE = 50
PROFILES_PAGE = 3


def _pages(client, document: str, root: str, variables: dict, max_pages: int = 50):
    after = None
    for _ in range(max_pages):
        data = client.execute(document, {**variables, "after": after})
        connection = data[root]
        yield connection
        info = connection.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return
        after = info.get("endCursor")


def _nodes(connection: dict | None) -> list:
    if not connection:
        return []
    if connection.get("nodes") is not None:
        return connection["nodes"]
    return [edge["node"] for edge in connection.get("edges") or []]


def import_mapping_values(shop: Shop, client=None, *, now: datetime | None = None,
                          errors: list[str] | None = None) -> dict[str, int]:
    """Query Shopify for every value the merchant may want to map; returns new values per kind.

    Product types (`productTypes`), sales channels (publications, and recent orders'
    source and app), payment gateways and shipping lines of recent orders, and the
    method definitions of the delivery profiles. A part Shopify refuses (a scope not
    granted) is logged, appended to `errors`, and skipped; the others still count.
    """
    from ..shopify.graphql_client import GraphQLError
    from .connection import client_for

    client = client or client_for(shop)
    now = now or datetime.now(timezone.utc)
    added = {kind: 0 for kind in KINDS}

    def part(name, fn):
        try:
            fn()
        except GraphQLError as exc:
            log.warning("mapping import for %s: %s skipped: %s", shop.domain, name, exc)
            if errors is not None:
                errors.append(f"{name}: {exc}"[:500])
        # What a part found is committed before the next Shopify call: a write
        # transaction held across network calls would stall every other writer.
        db.session.commit()

    def product_types():
        for conn in _pages(client, "mapping_product_types", "productTypes", {"first": 250}):
            added["product_type"] += record_seen(shop, "product_type", _nodes(conn), source="productTypes")
            db.session.commit()

    def publications():
        names = []
        for conn in _pages(client, "mapping_publications", "publications", {"first": 50}):
            for node in _nodes(conn):
                catalog = node.get("catalog") or {}
                apps = _nodes(catalog.get("apps"))
                # The app's title is what orders carry as their app name (e.g. "Online Store").
                title = (apps[0].get("title") if apps else None) or catalog.get("title")
                if title:
                    names.append(title)
        added["sales_channel"] += record_seen(shop, "sales_channel", names, source="publications")

    def delivery_profiles():
        names = []
        for conn in _pages(client, "mapping_delivery_profiles", "deliveryProfiles", {"first": PROFILES_PAGE}):
            for profile in _nodes(conn):
                for group in profile.get("profileLocationGroups") or []:
                    for zone in _nodes(group.get("locationGroupZones")):
                        names.extend(m.get("name") for m in _nodes(zone.get("methodDefinitions")))
        added["shipping_method"] += record_seen(shop, "shipping_method", names, source="deliveryProfiles")

    def orders():
        since = (now - timedelta(days=IMPORT_ORDER_DAYS)).date().isoformat()
        for conn in _pages(client, "mapping_recent_orders", "orders",
                           {"first": ORDERS_PAGE, "query": f"created_at:>={since}"},
                           max_pages=IMPORT_MAX_ORDERS // ORDERS_PAGE):
            added.update(record_order_values(shop, _nodes(conn), added))
            db.session.commit()

    part("product types", product_types)
    part("publications", publications)
    part("delivery profiles", delivery_profiles)
    part("recent orders", orders)
    return added


def record_order_values(shop: Shop | int, orders: Iterable[dict], totals: dict[str, int] | None = None) -> dict[str, int]:
    """Record the mapping values of GraphQL order nodes (sourceName, app, gateways, shipping lines).

    For the orders flow as much as for the import; no commit.
    """
    totals = dict(totals or {kind: 0 for kind in KINDS})
    channels, channel_labels, gateways, shipping = [], {}, [], []
    for order in orders:
        source = normalize(order.get("sourceName"))
        app_name = normalize((order.get("app") or {}).get("name"))
        if source:
            channels.append(source)
            if app_name:
                channel_labels.setdefault(source, app_name)
        if app_name:
            channels.append(app_name)
        gateways.extend(order.get("paymentGatewayNames") or [])
        lines = order.get("shippingLines")
        lines = _nodes(lines) if isinstance(lines, dict) else (lines or [])
        shipping.extend(line.get("title") for line in lines if isinstance(line, dict))
    totals["sales_channel"] = totals.get("sales_channel", 0) + record_seen(
        shop, "sales_channel", channels, labels=channel_labels)
    totals["payment_method"] = totals.get("payment_method", 0) + record_seen(shop, "payment_method", gateways)
    totals["shipping_method"] = totals.get("shipping_method", 0) + record_seen(shop, "shipping_method", shipping)
    return totals


# --- the daily import, as a flow ---------------------------------------------------------

def _register_flow() -> None:
    from ..shopify.access import AccessLevel
    from .flows import register_flow

    @register_flow("mappings", min_level=AccessLevel.READ, default_interval_minutes=24 * 60,
                   description="Import the values to map (product types, channels, gateways, shipping rates)")
    def run_mapping_import(ctx) -> None:
        """Look up in Shopify every value to map; new ones show up unmapped for the merchant."""
        errors: list[str] = []
        added = import_mapping_values(ctx.shop, ctx.client, errors=errors)
        for kind, n in added.items():
            ctx.count(f"new_{kind}", n)
        if errors:  # a part Shopify refused (e.g. a scope not granted): the rest is kept
            ctx.report_progress(skipped=errors)


_register_flow()
