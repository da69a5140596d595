"""The Admin GraphQL schema (built once per process) and its access-scope map."""
from __future__ import annotations

import json
import logging
import os
import threading
import time

from graphql import (GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, build_schema,
                     is_enum_type, is_scalar_type)

from devstore.config import API_VERSION

log = logging.getLogger("devstore")

SHARED = os.environ.get("DEVSTORE_SHOPIFY_DIR") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "..", "shared", "shopify")
SDL_PATH = os.path.join(SHARED, f"admin-{API_VERSION}.graphql")
SCOPES_PATH = os.path.join(SHARED, f"admin-{API_VERSION}.scopes.json")

_schema: GraphQLSchema | None = None
_scopes: "ScopeMap | None" = None
_lock = threading.Lock()
_ready = threading.Event()
build_seconds: float | None = None


def _build():
    global _schema, _scopes, build_seconds
    with _lock:
        if _schema is not None:
            return
        t = time.monotonic()
        with open(SDL_PATH, encoding="utf-8") as fh:
            sdl = fh.read()
        schema = build_schema(sdl, assume_valid=True)
        scopes = ScopeMap.load(SCOPES_PATH)
        _schema, _scopes = schema, scopes
        build_seconds = time.monotonic() - t
        log.info("Admin GraphQL schema built in %.1fs (%d types)", build_seconds, len(schema.type_map))
        _ready.set()


def warm():
    """Start building the schema in the background (start-up stays fast)."""
    threading.Thread(target=_safe_build, name="devstore-schema", daemon=True).start()


def _safe_build():
    try:
        _build()
    except Exception:  # pragma: no cover
        log.exception("schema build failed")


def get_schema() -> GraphQLSchema:
    if _schema is None:
        _build()
    return _schema


def get_scopes() -> "ScopeMap":
    if _scopes is None:
        _build()
    return _scopes


def ready() -> bool:
    return _ready.is_set()


def named(t):
    while isinstance(t, (GraphQLNonNull, GraphQLList)):
        t = t.of_type
    return t


def is_leaf(t) -> bool:
    t = named(t)
    return is_scalar_type(t) or is_enum_type(t)


def is_connection(t) -> bool:
    t = named(t)
    return (isinstance(t, GraphQLObjectType) and t.name.endswith("Connection")
            and "pageInfo" in t.fields and ("edges" in t.fields or "nodes" in t.fields))


def connection_node_type(t):
    t = named(t)
    if "nodes" in t.fields:
        return named(t.fields["nodes"].type)
    return named(named(t.fields["edges"].type).fields["node"].type)


class ScopeMap:
    """`offlineScopes` per type and per field; a list means any one of them suffices."""

    def __init__(self, types: dict, fields: dict, text: dict):
        self.types = types
        self.fields = fields
        self.text = text

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as fh:
            items = json.load(fh)["items"]
        types, fields, text = {}, {}, {}
        for it in items:
            if not it.get("offlineScopes"):
                continue
            if it["type"] == "type":
                types[it["typeName"]] = list(it["offlineScopes"])
                text[it["typeName"]] = it.get("requiredAccess", "")
            else:
                fields[(it["typeName"], it["fieldName"])] = list(it["offlineScopes"])
                text[(it["typeName"], it["fieldName"])] = it.get("requiredAccess", "")
        return cls(types, fields, text)

    def requirements(self, parent_type: str, field_name: str, return_type) -> list[tuple[list, str]]:
        """Each entry is (any-of scopes, requiredAccess text) that must be satisfied."""
        reqs = []
        f = self.fields.get((parent_type, field_name))
        if f:
            reqs.append((f, self.text.get((parent_type, field_name), "")))
        rt = named(return_type)
        t = self.types.get(rt.name)
        if t:
            reqs.append((t, self.text.get(rt.name, "")))
        if is_connection(rt):
            nt = connection_node_type(rt)
            t = self.types.get(nt.name)
            if t:
                reqs.append((t, self.text.get(nt.name, "")))
        return reqs
