"""The merchant's pages inside Shopify admin: one a section, in the order of the nav menu.

An explicit table (no registration by import): the embedded blueprint serves each path
with the same launch checks as `/`, the layout builds `<ui-nav-menu>` from it, and each
page's title bar carries its main action.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    slug: str
    path: str
    title: str
    # The title bar's primary button: (label, aria-label); None for a page without one.
    action: tuple[str, str] | None = None


PAGES: tuple[Page, ...] = (
    Page("overview", "/", "Overview", ("Sync now", "Sync now: products and orders")),
    Page("products", "/products", "Products", ("Sync now", "Sync now: products")),
    Page("orders", "/orders", "Orders", ("Sync now", "Sync now: orders")),
    Page("inventory", "/inventory", "Inventory", ("Push now", "Push now: inventory to Shopify")),
    Page("locations", "/locations", "Locations", ("Import locations", "Import locations from Shopify")),
    Page("mappings", "/mappings", "Mappings", ("Find values in Shopify", "Find values in Shopify to map")),
    Page("shipping", "/shipping", "Shipping methods", ("Find shipping methods", "Find shipping methods in Shopify")),
    Page("privacy", "/privacy", "Privacy"),
)

BY_SLUG = {page.slug: page for page in PAGES}
