"""Shop domains and the URLs built from them."""
from __future__ import annotations

import base64
import binascii
import re

SHOP_DOMAIN_RE = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


class InvalidShopDomain(ValueError):
    pass


def validate_shop_domain(value: str | None) -> str:
    """Return the shop's myshopify domain, or raise InvalidShopDomain."""
    # ASCII before lowering: a Kelvin sign (U+212A) lowers to "k" and would pass as
    # a different, valid domain than the one given.
    if not (value or "").isascii():
        raise InvalidShopDomain(f"not a myshopify.com shop domain: {value!r}")
    shop = (value or "").lower()
    if len(shop) > 255 or not SHOP_DOMAIN_RE.fullmatch(shop):
        raise InvalidShopDomain(f"not a myshopify.com shop domain: {value!r}")
    return shop


def is_valid_shop_domain(value: str | None) -> bool:
    try:
        validate_shop_domain(value)
    except InvalidShopDomain:
        return False
    return True


def shop_origin(template: str, shop: str) -> str:
    """Where the shop's admin lives: SHOPIFY_SHOP_ORIGIN with {shop} filled in."""
    return template.replace("{shop}", validate_shop_domain(shop)).rstrip("/")


def admin_url(template: str, shop: str, path: str = "") -> str:
    return f"{shop_origin(template, shop)}/admin{path}"


def graphql_url(template: str, shop: str, api_version: str) -> str:
    return admin_url(template, shop, f"/api/{api_version}/graphql.json")


def embedded_app_url(template: str, shop: str, api_key: str) -> str:
    """The app's page inside Shopify admin (where OAuth lands the merchant)."""
    return admin_url(template, shop, f"/apps/{api_key}")


def decode_host(host: str | None) -> str | None:
    """`host` is base64 of the admin host; None when it does not decode."""
    if not host:
        return None
    padded = host + "=" * (-len(host) % 4)
    try:
        decoded = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        text = decoded.decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not text or any(c.isspace() for c in text) or "<" in text or '"' in text:
        return None
    return text
