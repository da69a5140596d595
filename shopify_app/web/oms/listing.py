"""What the OMS API's lists share: the filters (shop, updated_since, and always the API
key's tenancy), the opaque cursor and the page size, times as JSON, the product store of
each item, and the OpenAPI pieces that describe them."""
from __future__ import annotations

import base64
import json

from flask import request
from sqlalchemy import and_, or_, select

from ...extensions import db
from ...models import ProductStore, Shop
from ...shopify.shop_domain import InvalidShopDomain, validate_shop_domain
from ...shopify.times import json_time, parse_time
from .common import tenancy
from .constraints import CURSOR, SHOP_DOMAIN

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

# The query parameters of every list (OpenAPI).
PARAMS = [
    {"name": "shop", "in": "query", "schema": SHOP_DOMAIN, "description": "Only this shop's records"},
    {"name": "updated_since", "in": "query", "schema": {"type": "string", "format": "date-time"},
     "description": "Only records changed here at or after this time (ISO 8601). A change is stamped when "
                    "it is written and seen when its transaction commits, up to seconds later (a bulk "
                    "download's batch): ask from your last look's newest updated_at less a margin (60 s), "
                    "and drop the records you already hold at the same updated_at"},
    {"name": "cursor", "in": "query", "schema": CURSOR, "description": "The previous page's next_cursor"},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE,
                                                "default": DEFAULT_PAGE_SIZE}},
]


def nullable(schema_type: str, **extra) -> dict:
    """An OpenAPI property that may be null."""
    return {"type": schema_type, "nullable": True, **extra}


def encode_cursor(values: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict | None:
    """The values behind an opaque cursor; raises ValueError when it is not one of ours."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("cursor is not valid") from exc
    if not isinstance(values, dict):
        raise ValueError("cursor is not valid")
    return values


def page_size() -> int:
    """`limit` from the query string; raises ValueError when malformed."""
    raw = request.args.get("limit")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}")
    return int(raw)


def parse_time_filter(raw: str | None):
    """`updated_since`: an ISO 8601 timestamp; raises ValueError when malformed."""
    if raw is None:
        return None
    text = raw.strip().replace(" ", "+")  # a '+' of an offset left unescaped in the URL
    try:
        # In UTC, as stored; a moment near year 1 or 9999 may not have one.
        moment = parse_time(text)
    except (ValueError, OverflowError):
        moment = None
    if moment is None:  # '' is no timestamp either
        raise ValueError("updated_since must be an ISO 8601 timestamp, e.g. 2026-11-01T00:00:00Z")
    return moment


def shop_and_since_filters(model) -> list:
    """The conditions of the key's tenancy (on every page: the cursor carries no authority),
    `shop` and `updated_since`; ValueError when malformed. Another store's shop in `shop`
    finds nothing, as an unknown shop does."""
    conds = [tenancy().shop_ids(model.shop_id)]
    domain = request.args.get("shop")
    if domain is not None:
        try:
            domain = validate_shop_domain(domain.strip())  # normalised: the filter ignores case
        except InvalidShopDomain:
            raise ValueError("shop must be a shop domain like example.myshopify.com") from None
        shop = db.session.execute(select(Shop).where(Shop.domain == domain)).scalar_one_or_none()
        conds.append(model.shop_id == (shop.id if shop else -1))
    since = parse_time_filter(request.args.get("updated_since"))
    if since is not None:
        conds.append(model.updated_at >= since)
    return conds


def cursor_position(extra: tuple[str, ...] = ()) -> dict | None:
    """The position behind `cursor`: `u` (a time) and `i` (an id), plus the `extra` keys'
    text values; None without one, ValueError when it is not one of ours."""
    cursor = decode_cursor(request.args.get("cursor"))
    if cursor is None:
        return None
    try:
        after_at = parse_time_filter(cursor["u"])
        after_id = int(cursor["i"])
        if after_at is None or not 0 <= after_id < 2**63:
            raise ValueError("out of range")
        values = {"u": after_at, "i": after_id}
        for key in extra:
            if not isinstance(cursor[key], str):
                raise ValueError("not text")
            values[key] = cursor[key]
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        raise ValueError("cursor is not valid") from None
    return values


def common_filters(model):
    """(conditions, limit) from shop, updated_since, cursor and limit; ValueError when malformed."""
    conds = shop_and_since_filters(model)
    position = cursor_position()
    if position is not None:
        after_at, after_id = position["u"], position["i"]
        conds.append(or_(model.updated_at > after_at, and_(model.updated_at == after_at, model.id > after_id)))
    return conds, page_size()


def next_cursor(rows, limit):
    """The cursor after a page read with `limit + 1` rows; None on the last page."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return encode_cursor({"u": json_time(last.updated_at), "i": last.id})


def store_json(store: ProductStore | None) -> dict | None:
    """An item's `product_store`."""
    return None if store is None else {"id": store.id, "name": store.name}


def product_stores(shop_ids) -> dict[int, dict | None]:
    """Each shop's product store as items carry it (`store_json`)."""
    ids = sorted(set(shop_ids))
    if not ids:
        return {}
    rows = db.session.execute(select(Shop.id, ProductStore).outerjoin(
        ProductStore, ProductStore.id == Shop.product_store_id).where(Shop.id.in_(ids))).all()
    return {shop_id: store_json(store) for shop_id, store in rows}


def shop_domains(shop_ids) -> dict[int, str]:
    ids = sorted(set(shop_ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(Shop.id, Shop.domain).where(Shop.id.in_(ids))).all())
