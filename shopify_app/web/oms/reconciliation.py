"""GET /oms/v1/reconciliation: the latest order reconciliation report of each shop
(days checked, orders missing, stale, re-fetched, still wrong)."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import func, select

from ...extensions import db
from ...models import ProductStore, ReconciliationReport, Shop
from ...shopify.shop_domain import InvalidShopDomain, validate_shop_domain
from ...shopify.times import json_time
from ..errors import json_error
from .common import forbidden, openapi_part, permission_required, tenancy
from .constraints import SHOP_DOMAIN
from .listing import nullable, store_json


def report_json(report: ReconciliationReport, domain: str, store: ProductStore | None = None) -> dict:
    return {
        "shop": domain,
        "product_store": store_json(store),
        "trigger": report.trigger,
        "started_at": json_time(report.started_at),
        "finished_at": json_time(report.finished_at),
        "days_checked": report.days_checked,
        "days": report.days or [],
        "missing": report.missing,
        "stale": report.stale,
        "refetched": report.refetched,
        "still_wrong": report.still_wrong,
        "still_wrong_orders": report.still_wrong_orders or [],
    }


@permission_required("read")
def list_reconciliation():
    conds = [tenancy().shop_ids(ReconciliationReport.shop_id)]
    domain = request.args.get("shop")
    if domain is not None:
        try:
            domain = validate_shop_domain(domain.strip())
        except InvalidShopDomain:
            return json_error(400, "shop must be a shop domain like example.myshopify.com")
        conds.append(Shop.domain == domain)
    latest = (select(ReconciliationReport.shop_id, func.max(ReconciliationReport.id).label("id"))
              .group_by(ReconciliationReport.shop_id).subquery())
    rows = db.session.execute(
        select(ReconciliationReport, Shop.domain, ProductStore).join(latest, latest.c.id == ReconciliationReport.id)
        .join(Shop, Shop.id == ReconciliationReport.shop_id)
        .outerjoin(ProductStore, ProductStore.id == Shop.product_store_id).where(*conds).order_by(Shop.domain)).all()
    return jsonify({"items": [report_json(report, shop_domain, store) for report, shop_domain, store in rows]})


_count = {"type": "integer", "minimum": 0}

SCHEMAS = {
    "ReconciliationDay": {
        "type": "object",
        "required": ["day", "shopify_created", "held_created", "shopify_updated", "held_updated", "compared",
                     "missing", "stale"],
        "properties": {
            "day": {"type": "string", "format": "date", "description": "A UTC day"},
            "shopify_created": {**_count, "description": "Orders Shopify counts created that day"},
            "held_created": {**_count, "description": "Orders created that day we hold (the import filter may "
                             "keep this lower)"},
            "shopify_updated": {**_count, "description": "Orders Shopify counts last updated that day"},
            "held_updated": {**_count, "description": "Orders we hold at a version of that day"},
            "compared": {"type": "boolean", "description": "The counts differed: the day's orders were "
                         "compared one by one (ids and versions)"},
            "missing": {**_count, "description": "Of that day's orders, those we lacked"},
            "stale": {**_count, "description": "Of that day's orders, those we held at an older version"},
        },
    },
    "ReconciliationReport": {
        "type": "object",
        "required": ["shop", "product_store", "trigger", "started_at", "finished_at", "days_checked", "days", "missing", "stale",
                     "refetched", "still_wrong", "still_wrong_orders"],
        "properties": {
            "shop": {"type": "string"},
            "product_store": {"$ref": "#/components/schemas/ProductStoreRef"},
            "trigger": {"type": "string", "description": "`reconcile` (the daily run) or `manual`"},
            "started_at": {"type": "string", "format": "date-time"},
            "finished_at": nullable("string", format="date-time"),
            "days_checked": {**_count, "description": "Days compared, today (UTC) and the ones before it "
                             "(RECONCILE_DAYS, default 7)"},
            "days": {"type": "array", "items": {"$ref": "#/components/schemas/ReconciliationDay"}},
            "missing": {**_count, "description": "Orders Shopify has (and the import filter wants) that we lacked"},
            "stale": {**_count, "description": "Orders we held at an older version than Shopify's"},
            "refetched": {**_count, "description": "Missing or stale orders fetched again and now held at "
                          "Shopify's version"},
            "still_wrong": {**_count, "description": "Missing or stale orders the re-fetch did not repair"},
            "still_wrong_orders": {"type": "array", "maxItems": 100, "items": {
                "type": "object", "required": ["id", "reason"], "properties": {
                    "id": {"type": "string", "description": "Shopify Order GID"},
                    "name": nullable("string"), "reason": {"type": "string"}}}},
        },
    },
    "ReconciliationList": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/ReconciliationReport"}}},
    },
}

OPENAPI = openapi_part(
    {
        "/reconciliation": {
            "get": {
                "summary": "The latest order reconciliation report of each shop",
                "description": "Once a day (and on `flask --app wsgi order reconcile SHOP_DOMAIN`) each shop's "
                "orders are compared day by day with Shopify's counts; what differs is fetched again. One "
                "report a shop, the latest; a shop never reconciled is absent.",
                "operationId": "listReconciliation",
                "parameters": [{"name": "shop", "in": "query", "schema": SHOP_DOMAIN,
                                "description": "A shop domain (example.myshopify.com)"}],
                "responses": {
                    "200": {"description": "The latest report per shop", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ReconciliationList"}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "403": forbidden("read"),
                },
            }
        }
    },
    SCHEMAS,
)
