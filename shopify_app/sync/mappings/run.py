"""The daily import of the values to map, as the "mappings" flow."""
from __future__ import annotations

from ...shopify.access import AccessLevel
from ..flows import RunContext, register_flow
from .import_values import import_mapping_values


@register_flow("mappings", min_level=AccessLevel.READ, default_interval_minutes=24 * 60,
               description="Import the values to map (product types, channels, gateways, shipping rates)")
def run_mapping_import(ctx: RunContext) -> None:
    """Look up in Shopify every value to map; new ones show up unmapped for the merchant."""
    errors: list[str] = []
    added = import_mapping_values(ctx.shop, ctx.client, errors=errors)
    for kind, n in added.items():
        ctx.count(f"new_{kind}", n)
    if errors:  # a part Shopify refused (e.g. a scope not granted): the rest is kept
        ctx.report_progress(skipped=errors)
