"""HMAC checks on what Shopify sends: OAuth/admin query strings and webhook bodies."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping

import shopify

# Shopify's own libraries accept 90 seconds of clock difference on signed queries.
QUERY_TIMESTAMP_TOLERANCE_SECONDS = 90


QueryParams = Mapping[str, "str | list[str]"] | Iterable[tuple[str, str]]


class RepeatedParameter(ValueError):
    """A signed query names a parameter twice (other than an `x[]` array): refused."""


def signed_params(params: QueryParams) -> dict[str, str | list[str]]:
    """The query as Shopify signs it: one value per name, and a list for each `name[]`.

    Given the query's (name, value) pairs, in order, a repeated name is refused:
    only one of its values could be covered by the signature, and the code reading
    the query might read another. Shopify's array parameters (`ids[]=1&ids[]=2`)
    are signed as one, `ids=["1", "2"]`.
    """
    if isinstance(params, Mapping):
        return {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in params.items()}
    result: dict[str, str | list[str]] = {}
    arrays: dict[str, list[str]] = {}
    for name, value in params:
        if name.endswith("[]"):
            result[name] = arrays.setdefault(name, [])
            arrays[name].append(value)
        elif name in result:
            raise RepeatedParameter(f"parameter {name!r} appears more than once")
        else:
            result[name] = value
    return result


def query_hmac(params: QueryParams, secret: str) -> str:
    """Hex HMAC-SHA256 of a query as Shopify signs it (sorted k=v, '&'-joined, no hmac)."""
    signed = {
        name: [value] if name.endswith("[]") and isinstance(value, str) else value
        for name, value in signed_params(params).items()
    }
    # shopify-python-api encodes the message (escaping, `name[]` arrays as JSON lists);
    # it keeps its secret on the class.
    shopify.Session.secret = secret
    return shopify.Session.calculate_hmac(signed)


def verify_query_hmac(params: QueryParams, secret: str) -> bool:
    """True when the query's `hmac` is Shopify's signature over the rest (constant time).

    Pass the query's (name, value) pairs (`request.args.items(multi=True)`) so that a
    repeated parameter is refused; a mapping is taken as already one value per name.
    """
    try:
        signed = signed_params(params)
    except RepeatedParameter:
        return False
    given = signed.get("hmac")
    if not given or not isinstance(given, str):
        return False
    expected = query_hmac(signed, secret)
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
