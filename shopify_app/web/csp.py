"""Security headers of every response: the Content-Security-Policy of pages, and HSTS.

A page may be framed only by the admin of the shop it is for, and only when that
shop is a valid domain, taken in its normalised form: an unknown page is framed by
no one, whatever its `?shop` says. Scripts come from our own origin and App
Bridge's (APP_BRIDGE_URL), nowhere else: the templates have no inline script.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request

from ..shopify.shop_domain import InvalidShopDomain, shop_origin, validate_shop_domain

CSP = "Content-Security-Policy"
HSTS_VALUE = "max-age=31536000"  # a year; no includeSubDomains: other hosts of the domain are not ours


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


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of an absolute URL; None for a path on our own origin."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def script_sources() -> str:
    """`script-src` and the directives that keep scripts to it."""
    sources = ["'self'"]
    bridge = origin_of(current_app.config["APP_BRIDGE_URL"])
    if bridge:
        sources.append(bridge)
    return f"script-src {' '.join(sources)}; object-src 'none'; base-uri 'self';"


def page_shop() -> str | None:
    """The shop whose admin may frame this page: on a route of ours, a valid domain, normalised."""
    if request.url_rule is None:
        return None  # an unknown page: no one's
    try:
        return validate_shop_domain(request.args.get("shop"))
    except InvalidShopDomain:
        return None


def add_security_headers(response):
    if response.mimetype == "text/html":
        # Embedded pages set frame-ancestors for their (verified) shop; the rest are built here.
        framing = response.headers.get(CSP) or frame_ancestors(page_shop())
        if "script-src" not in framing:
            framing = f"{framing.rstrip()} {script_sources()}"
        response.headers[CSP] = framing
    if current_app.config["SHOPIFY_APP_URL"].startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS_VALUE)
    return response


def register(app: Flask) -> None:
    app.after_request(add_security_headers)
