"""HMAC checks on what Shopify sends: OAuth/admin query strings and webhook bodies."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

import shopify

# Shopify's own libraries accept 90 seconds of clock difference on signed queries.
QUERY_TIMESTAMP_TOLERANCE_SECONDS = 90


def query_hmac(params: Mapping[str, str], secret: str) -> str:
    """Hex HMAC-SHA256 of a query as Shopify signs it (sorted k=v, '&'-joined, no hmac)."""
    # shopify-python-api encodes the message; it keeps its secret on the class.
    shopify.Session.secret = secret
    return shopify.Session.calculate_hmac(dict(params))


def verify_query_hmac(params: Mapping[str, str], secret: str) -> bool:
    """True when the query's `hmac` is Shopify's signature over the rest (constant time)."""
    given = params.get("hmac")
    if not given or not isinstance(given, str):
        return False
    expected = query_hmac(params, secret)
    return hmac.compare_digest(expected.encode(), given.encode())


def verify_query_timestamp(
    params: Mapping[str, str],
    now: float | None = None,
    tolerance: int = QUERY_TIMESTAMP_TOLERANCE_SECONDS,
) -> bool:
    """True when `timestamp` is within the tolerance of now (old and future both rejected)."""
    try:
        ts = int(params.get("timestamp", ""))
    except (TypeError, ValueError):
        return False
    now = time.time() if now is None else now
    return abs(now - ts) <= tolerance


def webhook_hmac(body: bytes, secret: str) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_webhook_hmac(body: bytes, header_value: str | None, secret: str) -> bool:
    """True when X-Shopify-Hmac-Sha256 is the base64 HMAC of the raw body (constant time)."""
    if not header_value:
        return False
    expected = webhook_hmac(body, secret)
    return hmac.compare_digest(expected.encode(), header_value.strip().encode())
