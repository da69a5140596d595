"""The OMS REST API (/oms/v1): the table of its resources, and its OpenAPI document.

Each resource module (products, orders, ...) holds its views and its share of the
OpenAPI document; `RESOURCES` below is the one place that says which routes exist,
so the document is assembled from the code that serves it. A new endpoint is a view
(decorated with `permission_required`, which also scopes it to the key's product store
through `common.tenancy()`) and an `OPENAPI` part in a resource module, and a row here.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, jsonify

from ...models import PERMISSIONS

from . import facilities, fulfillments, inventory, order_status, orders, products, reconciliation, returns, returns_list
from .common import BASE_DOCUMENT


@dataclass(frozen=True)
class Resource:
    routes: tuple[tuple[str, str, Callable], ...]  # (rule, method, view)
    openapi: dict  # {"paths": ..., "schemas": ...}


RESOURCES: tuple[Resource, ...] = (
    Resource((("/products", "GET", products.list_products),), products.OPENAPI),
    Resource((("/orders", "GET", orders.list_orders),), orders.OPENAPI),
    Resource((("/orders/<path:order_id>/status", "POST", order_status.post_order_status),), order_status.OPENAPI),
    Resource((("/reconciliation", "GET", reconciliation.list_reconciliation),), reconciliation.OPENAPI),
    Resource((("/inventory", "PUT", inventory.put_inventory),), inventory.OPENAPI),
    Resource((("/facilities", "GET", facilities.list_facilities),), facilities.OPENAPI),
    Resource((("/fulfillments", "POST", fulfillments.post_fulfillment),
              ("/fulfillments/<path:external_id>", "GET", fulfillments.get_fulfillment)), fulfillments.OPENAPI),
    Resource((("/returns", "POST", returns.post_return),
              ("/returns", "GET", returns_list.list_returns),
              ("/returns/<path:external_id>", "GET", returns.get_return)), returns.OPENAPI),
)


def openapi_document(resources: tuple[Resource, ...] = RESOURCES) -> dict:
    document = copy.deepcopy(BASE_DOCUMENT)
    for resource in resources:
        document["paths"].update(resource.openapi["paths"])
        document["components"]["schemas"].update(resource.openapi["schemas"])
    return document


OPENAPI_DOCUMENT = openapi_document()


def blueprint() -> Blueprint:
    """The /oms/v1 blueprint with every resource's routes (endpoints `oms.<view name>`)."""
    bp = Blueprint("oms", __name__, url_prefix="/oms/v1")
    for resource in RESOURCES:
        for rule, method, view in resource.routes:
            # No route without a permission check (and so without the API key and its tenancy).
            if getattr(view, "required_permission", None) not in PERMISSIONS:
                raise RuntimeError(f"{method} {rule}: its view is not wrapped in permission_required")
            bp.add_url_rule(rule, endpoint=view.__name__, view_func=view, methods=[method])
    bp.add_url_rule("/openapi.json", endpoint="openapi_document", view_func=lambda: jsonify(OPENAPI_DOCUMENT),
                    methods=["GET"])
    return bp
