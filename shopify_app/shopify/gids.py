"""Shopify global ids (GIDs): built once, read once.

GraphQL names every record `gid://shopify/<Type>/<number>`; webhooks' REST payloads
and the OMS often give the bare number. Everything that turns one into the other
goes through here.
"""
from __future__ import annotations

PREFIX = "gid://shopify/"
MAX_ID = 2**63  # Shopify's ids are 64-bit signed integers


def gid(kind: str, number) -> str:
    """A Shopify GID from a REST id: gid("Order", 123) -> 'gid://shopify/Order/123'."""
    return f"{PREFIX}{kind}/{number}"


def gid_prefix(kind: str) -> str:
    """'gid://shopify/<kind>/': what every GID of that kind starts with."""
    return f"{PREFIX}{kind}/"


def typename(value: str | None) -> str | None:
    """'gid://shopify/ProductVariant/1' -> 'ProductVariant'."""
    if not value or not value.startswith("gid://"):
        return None
    parts = value.split("/")
    return parts[3] if len(parts) > 4 else None


def gid_of(kind: str, value) -> str | None:
    """A Shopify id of `kind` as a GID, from its GID or its numeric id (a string or an
    integer); None when it is neither, or out of Shopify's id range."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return gid(kind, value) if 0 < value < MAX_ID else None
    if not isinstance(value, str):
        return None
    prefix = gid_prefix(kind)
    text = value.strip()
    number = text[len(prefix):] if text.startswith(prefix) else text
    ok = number.isascii() and number.isdigit() and len(number) <= 19 and 0 < int(number) < MAX_ID
    return gid(kind, number) if ok else None


def number_of(value: str | None) -> str | None:
    """The numeric tail of a GID ('gid://shopify/Order/12' -> '12'), or None."""
    if not value or typename(value) is None:
        return None
    tail = value.rsplit("/", 1)[-1].split("?", 1)[0]
    return tail if tail.isdigit() else None
