"""The daily import of the values to map, as the "mappings" flow."""
from __future__ import annotations

from ..flows import RunContext
from .import_values import import_mapping_values


def run_mapping_import(ctx: RunContext) -> None:
    """Look up in Shopify every value to map; new ones show up unmapped for the merchant."""
    errors: list[str] = []
    added = import_mapping_values(ctx.shop, ctx.client, errors=errors)
    for kind, n in added.items():
        ctx.count(f"new_{kind}", n)
    if errors:  # a part Shopify refused (e.g. a scope not granted): the rest is kept
        ctx.report_progress(skipped=errors)
