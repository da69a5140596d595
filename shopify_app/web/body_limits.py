"""How large a request body each route takes, enforced before anything reads it.

A body over its route's limit is refused with 413 before it is buffered: at once
when Content-Length says so, and, for a chunked body, as soon as reading passes
the limit (no more than the limit is ever held).

- webhooks: 5 MiB. Shopify's webhook payloads are bounded (an order with its
  lines, a product with its variants: tens to a few hundred KiB; Shopify
  truncates larger collections), so 5 MiB leaves a wide margin and no more.
- PUT /oms/v1/inventory: 32 MiB, for its MAX_ROWS_PER_CALL (100,000) rows of
  facility, SKU and ATP at up to about 300 bytes each.
- everything else: 1 MiB (the JSON calls of the UI and the OMS are small).
"""
from __future__ import annotations

import io

from flask import Flask, abort, request

MiB = 1024 * 1024
READ_SIZE = 64 * 1024
DEFAULT_BODY_LIMIT = 1 * MiB
BODY_LIMITS = {
    "webhooks.receive": 5 * MiB,
    "oms.put_inventory": 32 * MiB,
}


def body_limit(endpoint: str | None) -> int:
    return BODY_LIMITS.get(endpoint or "", DEFAULT_BODY_LIMIT)


def read_at_most(stream, limit: int) -> bytes | None:
    """The whole stream, or None as soon as it passes `limit` bytes (the rest left unread)."""
    data = bytearray()
    while len(data) <= limit:
        chunk = stream.read(min(READ_SIZE, limit + 1 - len(data)))
        if not chunk:
            return bytes(data)
        data += chunk
    return None


def too_large(limit: int):
    abort(413, f"the request body is larger than this call takes ({limit // MiB} MiB)")


def enforce_body_limit():
    limit = body_limit(request.endpoint)
    request.max_content_length = limit
    environ = request.environ
    if request.content_length is not None:
        if request.content_length > limit:
            too_large(limit)
    elif environ.get("wsgi.input_terminated"):
        # Chunked: the size is known only by reading. Werkzeug would stop at the limit and
        # hand the view a silently truncated body; read it here instead, refusing at the limit.
        body = read_at_most(environ["wsgi.input"], limit)
        if body is None:
            too_large(limit)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))


def register(app: Flask) -> None:
    app.before_request(enforce_body_limit)
