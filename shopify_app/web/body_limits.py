"""How large a request body each route takes, enforced before anything reads it.

A body over its route's limit is refused with 413 before it is buffered: at once
when Content-Length says so, and, for a chunked body, as soon as reading passes
the limit (Flask's per-request max_content_length; werkzeug stops the stream).

- webhooks: 5 MiB. Shopify's webhook payloads are bounded (an order with its
  lines, a product with its variants: tens to a few hundred KiB; Shopify
  truncates larger collections), so 5 MiB leaves a wide margin and no more.
- PUT /oms/v1/inventory: 32 MiB, for its MAX_ROWS_PER_CALL (100,000) rows of
  facility, SKU and ATP at up to about 300 bytes each.
- everything else: 1 MiB (the JSON calls of the UI and the OMS are small).
"""
from __future__ import annotations

from flask import Flask, abort, request

MiB = 1024 * 1024
DEFAULT_BODY_LIMIT = 1 * MiB
BODY_LIMITS = {
    "webhooks.receive": 5 * MiB,
    "oms.put_inventory": 32 * MiB,
}


def body_limit(endpoint: str | None) -> int:
    return BODY_LIMITS.get(endpoint or "", DEFAULT_BODY_LIMIT)


def enforce_body_limit():
    limit = body_limit(request.endpoint)
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        abort(413, f"the request body is larger than this call takes ({limit // MiB} MiB)")


def register(app: Flask) -> None:
    app.before_request(enforce_body_limit)
