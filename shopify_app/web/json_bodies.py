"""JSON bodies parsed within bounds: too deep a nesting is a malformed body (400), not a 500.

Python's parser raises RecursionError (not ValueError) on a few thousand nested
brackets, which `request.get_json` does not catch; and a body just under that
depth still breaks whatever walks it later (the JSON column's encoder, a handler).
No request of Shopify or of the OMS nests anywhere near MAX_JSON_DEPTH.
"""
from __future__ import annotations

import codecs
import json
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

MAX_JSON_DEPTH = 64


class JSONTooDeep(ValueError):
    pass


def nesting_depth_exceeds(value: Any, limit: int) -> bool:
    """True when objects and arrays nest deeper than `limit` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def opening_brackets(data: str | bytes) -> int:
    """How many `{` and `[` the text holds: no JSON in it nests deeper than that."""
    if isinstance(data, str):
        return data.count("{") + data.count("[")
    return data.count(b"{") + data.count(b"[")


def loads_bounded(data: str | bytes, **kwargs: Any) -> Any:
    """json.loads, raising ValueError (JSONTooDeep) for a nesting deeper than MAX_JSON_DEPTH."""
    try:
        value = json.loads(data, **kwargs)
    except RecursionError:
        raise JSONTooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    # Walked only when the text could nest that deep: counting brackets is C-fast, and
    # most bodies (a webhook's product, an OMS call) hold fewer than the limit.
    if opening_brackets(data) > MAX_JSON_DEPTH and nesting_depth_exceeds(value, MAX_JSON_DEPTH):
        raise JSONTooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def loads_as_sent(data: bytes) -> Any:
    """The value of a body that must be JSON text as RFC 8259 has systems exchange it (UTF-8,
    no byte order mark, no NaN or Infinity), so that the body itself can be stored as the
    JSON it holds: PostgreSQL's and SQLite's JSON columns take any such text as it is, and
    nothing is encoded again. ValueError (a 400) for anything else, JSONTooDeep too.

    orjson reads it, several times faster than json.loads; what orjson refuses although
    JSON's grammar allows it (a lone surrogate's escape, a number beyond a double's range)
    is read by loads_bounded. The value is for looking at, not for storing: orjson reads an
    integer beyond 64 bits as a float."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        if data.startswith(codecs.BOM_UTF8):
            raise ValueError("JSON text starts with a byte order mark") from None
        return loads_bounded(data.decode("utf-8"), parse_constant=_not_a_json_number)  # UnicodeDecodeError: a ValueError
    if opening_brackets(data) > MAX_JSON_DEPTH and nesting_depth_exceeds(value, MAX_JSON_DEPTH):
        raise JSONTooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def _not_a_json_number(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider; request bodies (get_json) are parsed by loads_bounded."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads_bounded(s, **kwargs)
