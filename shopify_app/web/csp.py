"""Who may frame our pages: the Content-Security-Policy frame-ancestors of a page."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from ..shopify.shop_domain import shop_origin


def frame_ancestors(shop: str | None) -> str:
    """CSP frame-ancestors for an embedded page: the shop's admin and Shopify admin."""
    if not shop:
        return "frame-ancestors 'none';"
    sources = [f"https://{shop}", "https://admin.shopify.com"]
    # Where SHOPIFY_SHOP_ORIGIN puts the shop's admin (devstore, tests) may frame it too.
    origin = urlsplit(shop_origin(current_app.config["SHOPIFY_SHOP_ORIGIN"], shop))
    if f"{origin.scheme}://{origin.netloc}" not in sources:
        sources.append(f"{origin.scheme}://{origin.netloc}")
    return f"frame-ancestors {' '.join(sources)};"
