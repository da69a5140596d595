"""Bulk operations: `bulkOperationRunQuery` runs the query over the whole store in a
background thread and streams JSONL to disk as Shopify does (each connection node on its
own line, nested connection nodes with `__parentId`, after their parent)."""
from __future__ import annotations

import json
import logging
import os
import threading
import time

from flask import Blueprint, abort, current_app, send_file
from graphql import FieldNode, GraphQLList, GraphQLNonNull, execute

from devstore.graphql import events
from devstore.graphql import schema as schemamod
from devstore.graphql.cost import collect_fields
from devstore.graphql.documents import prepare
from devstore.graphql.resolvers import Context, field_resolver, registrar, type_resolver
from devstore.graphql.schema import is_connection, named
from devstore.store import gid_num, now_iso

log = logging.getLogger("devstore")
bp = Blueprint("devstore_bulk", __name__)

MAX_CONCURRENT = 5
MAX_CONNECTIONS = 5
MAX_DEPTH = 2
CHUNK = 250
ACTIVE = ("CREATED", "RUNNING", "CANCELING")
RESOLVERS: dict = {}  # this module's mutations (joined in devstore/graphql_api.py)
resolver = registrar(RESOLVERS)


@bp.get("/_devstore/bulk/<shop>/<name>")
def download(shop, name):
    state = current_app.extensions["devstore"]
    st = state.shop(shop)
    if st is None or "/" in name or not name.endswith(".jsonl"):
        abort(404)
    path = os.path.join(state.config.data_dir, shop, name)
    if not os.path.exists(path):
        abort(404)
    return send_file(path, mimetype="application/jsonl", as_attachment=True, download_name=name)


# --- the document's shape --------------------------------------------------------------------

class Shape:
    """For a selection on a type: response key -> (is_connection, child Shape)."""

    def __init__(self):
        self.children: dict[str, tuple[bool, "Shape"]] = {}
        self.connection_fields = 0


def _conn_node_selection(f: FieldNode, conn_type, fragments):
    """(node selection set, node type, uses_edges) for a connection field."""
    ct = named(conn_type)
    for cf in collect_fields(f.selection_set, fragments):
        if cf.name.value == "nodes":
            return cf.selection_set, named(ct.fields["nodes"].type), ("nodes", cf.alias.value if cf.alias else "nodes", None)
        if cf.name.value == "edges":
            et = named(ct.fields["edges"].type)
            for ef in collect_fields(cf.selection_set, fragments):
                if ef.name.value == "node":
                    return ef.selection_set, named(et.fields["node"].type), (
                        "edges", cf.alias.value if cf.alias else "edges", ef.alias.value if ef.alias else "node")
    return None, None, None


def build_shape(type_, selection_set, fragments, depth, problems, counter):
    shape = Shape()
    for f in collect_fields(selection_set, fragments):
        name = f.name.value
        if name.startswith("__"):
            continue
        fd = getattr(named(type_), "fields", {}).get(name)
        if fd is None:
            continue
        key = f.alias.value if f.alias else name
        if is_connection(fd.type):
            counter[0] += 1
            if depth > MAX_DEPTH:  # the root connection is depth 0; two nested levels below it
                problems.append(f"Bulk queries cannot contain connections with a nesting depth greater than {MAX_DEPTH}.")
            sel, nt, how = _conn_node_selection(f, fd.type, fragments)
            if sel is None:
                problems.append(f"The connection field '{name}' must select 'edges {{ node }}' or 'nodes'.")
                continue
            child = build_shape(nt, sel, fragments, depth + 1, problems, counter)
            child.how = how
            child.field_name = name
            child.selects_id = any(x.name.value == "id" for x in collect_fields(sel, fragments))
            shape.children[key] = (True, child)
        elif f.selection_set is not None:
            child = build_shape(fd.type, f.selection_set, fragments, depth, problems, counter)
            if _is_list(fd.type) and _has_connection(child):
                problems.append("Queries that contain a connection field within a list field are not currently supported.")
            shape.children[key] = (False, child)
    return shape


def _has_connection(shape):
    return any(c[0] or _has_connection(c[1]) for c in shape.children.values())


def _is_list(t):
    while isinstance(t, GraphQLNonNull):
        t = t.of_type
    return isinstance(t, GraphQLList)


def _nested_needs_id(shape, problems, selects_id, name):
    """A node whose selection holds a nested connection must select `id` (for __parentId)."""
    for _key, (is_conn, child) in shape.children.items():
        if is_conn:
            if not selects_id:
                problems.append(f"The parent '{name}' field for a nested connection must select the 'id' field. "
                                f"Connection fields without 'id': {name}.")
            _nested_needs_id(child, problems, child.selects_id, child.field_name)
        else:
            _nested_needs_id(child, problems, selects_id, name)


def analyse(query: str):
    """-> (op, fragments, doc, root field, root shape, problems)"""
    op, fragments, coerced, doc, errors, _exe = prepare(query, {})
    if errors:
        return None, None, None, None, None, ["Invalid bulk query: " + e["message"] for e in errors]
    if op.operation.value != "query":
        return None, None, None, None, None, ["Bulk queries must be queries, not mutations."]
    schema = schemamod.get_schema()
    roots = collect_fields(op.selection_set, fragments)
    problems: list[str] = []
    if len(roots) != 1:
        problems.append("Bulk queries must have exactly one top-level field, a connection.")
        return op, fragments, doc, None, None, problems
    root = roots[0]
    fd = schema.query_type.fields.get(root.name.value)
    if fd is None or not is_connection(fd.type):
        problems.append("Bulk queries must contain at least one connection: the top-level field must be a "
                        "connection (devstore runs bulk queries rooted at a connection).")
        return op, fragments, doc, None, None, problems
    counter = [0]
    top = build_shape(schema.query_type, op.selection_set, fragments, 0, problems, counter)
    key = root.alias.value if root.alias else root.name.value
    if key not in top.children:
        return op, fragments, doc, None, None, sorted(set(problems))
    if counter[0] > MAX_CONNECTIONS:
        problems.append(f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections.")
    rs = top.children[root.alias.value if root.alias else root.name.value][1]
    _nested_needs_id(rs, problems, rs.selects_id, root.name.value)
    key = root.alias.value if root.alias else root.name.value
    return op, fragments, doc, key, top.children[key][1], sorted(set(problems))


# --- JSONL flattening -----------------------------------------------------------------------------

def _nodes_of(conn_value, how):
    if not isinstance(conn_value, dict):
        return []
    kind, outer, inner = how
    if kind == "nodes":
        return [n for n in conn_value.get(outer) or [] if n is not None]
    return [e.get(inner) for e in conn_value.get(outer) or [] if isinstance(e, dict) and e.get(inner) is not None]


def flatten(node: dict, shape: Shape, parent_id, out: list):
    """Append `node` (connections removed) then its connection children, recursively."""
    pending = []
    obj = _strip(node, shape, pending)
    if parent_id is not None:
        obj["__parentId"] = parent_id
    out.append(obj)
    my_id = node.get("id")
    for child_shape, value in pending:
        for n in _nodes_of(value, child_shape.how):
            flatten(n, child_shape, my_id, out)


def _strip(value, shape: Shape, pending):
    if not isinstance(value, dict):
        return value
    obj = {}
    for k, v in value.items():
        spec = shape.children.get(k)
        if spec is None:
            obj[k] = v
        elif spec[0]:
            pending.append((spec[1], v))
        elif isinstance(v, list):
            obj[k] = [_strip(x, spec[1], pending) for x in v]
        else:
            obj[k] = _strip(v, spec[1], pending)
    return obj


# --- running ---------------------------------------------------------------------------------------

def _public(op):
    return {k: v for k, v in op.items() if not k.startswith("_")}


@resolver("Mutation", "bulkOperationRunQuery")
def m_bulk_run(_, info, query, groupObjects=False):
    ctx: Context = info.context
    st = ctx.shop
    opq, fragments, doc, root_key, shape, problems = analyse(query)
    if problems:
        return {"bulkOperation": None, "userErrors": [{"field": ["query"], "message": p, "code": "INVALID"}
                                                      for p in problems]}
    with st.lock:
        active = [o for o in st.bulk_operations.values() if o["status"] in ACTIVE and o["type"] == "QUERY"]
        if len(active) >= MAX_CONCURRENT:
            return {"bulkOperation": None, "userErrors": [{
                "field": None, "code": "LIMIT_REACHED",
                "message": f"A maximum of {MAX_CONCURRENT} bulk query operations can run at the same time "
                           f"for this app and shop."}]}
        oid = st.new_id("BulkOperation")
        op = {"id": oid, "status": "CREATED", "errorCode": None, "createdAt": now_iso(), "completedAt": None,
              "objectCount": "0", "rootObjectCount": "0", "fileSize": None, "url": None, "partialDataUrl": None,
              "query": query, "type": "QUERY", "_cancel": False, "groupObjects": bool(groupObjects)}
        st.bulk_operations[oid] = op
        st.index[oid] = op
    bulk_ctx = Context(ctx.state, st, set(ctx.scopes), token=ctx.token, api_version=ctx.api_version,
                       resolvers=ctx.resolvers)
    snapshot = dict(op)   # the answer shows the operation as created, whatever the thread does next
    t = threading.Thread(target=_run, args=(ctx.state, st, op, bulk_ctx, doc, root_key, shape),
                         name=f"devstore-bulk-{gid_num(oid)}", daemon=True)
    t.start()
    return {"bulkOperation": snapshot, "userErrors": []}


@resolver("Mutation", "bulkOperationCancel")
def m_bulk_cancel(_, info, id):
    st = info.context.shop
    with st.lock:
        op = st.bulk_operations.get(id)
        if op is None:
            return {"bulkOperation": None, "userErrors": [{"field": ["id"], "message": "Bulk operation does not exist"}]}
        if op["status"] not in ("CREATED", "RUNNING"):
            return {"bulkOperation": op, "userErrors": [{
                "field": None, "message": f"A bulk operation cannot be canceled when it is {op['status'].lower()}"}]}
        op["_cancel"] = True
        op["status"] = "CANCELING"
        snapshot = dict(op)
    return {"bulkOperation": snapshot, "userErrors": []}


def _take_fault(state, st):
    f = state.faults.get("bulk_fail")
    if not f:
        return None
    if f.get("shop") and f["shop"] != st.domain:
        return None
    remaining = f.get("count", 1)
    if remaining is not None:
        if remaining <= 0:
            return None
        f["count"] = remaining - 1
        if f["count"] <= 0:
            state.faults["bulk_fail"] = None
    return f


def _run(state, st, op, ctx: Context, doc, root_key, shape):
    schema = schemamod.get_schema()
    folder = os.path.join(state.config.data_dir, st.domain)
    os.makedirs(folder, exist_ok=True)
    num = gid_num(op["id"])
    path = os.path.join(folder, f"{num}.jsonl")
    url = f"{state.config.base_url}/_devstore/bulk/{st.domain}/{num}.jsonl"
    fault = _take_fault(state, st)
    fail_after = (fault or {}).get("after_objects", 0)
    delay = float(state.faults.get("bulk_chunk_delay_ms") or 0) / 1000.0
    objects = roots = 0
    size = 0
    error_code = None
    op["status"] = "RUNNING"
    try:
        with open(path, "wb") as fh:
            offset = 0
            ctx.bulk = {"offset": 0, "limit": CHUNK, "root_path": (root_key,)}
            while True:
                if delay:
                    time.sleep(delay)
                if op.get("_cancel"):
                    break
                ctx.bulk["offset"] = offset
                res = execute(schema, doc, root_value={}, context_value=ctx, field_resolver=field_resolver,
                              type_resolver=type_resolver)
                if res.errors:
                    codes = {(e.extensions or {}).get("code") for e in res.errors}
                    error_code = "ACCESS_DENIED" if "ACCESS_DENIED" in codes else "INTERNAL_SERVER_ERROR"
                    log.warning("bulk %s failed: %s", op["id"], res.errors[0].message)
                    break
                conn = (res.data or {}).get(root_key)
                lines: list = []
                for n in _nodes_of(conn, shape.how):
                    flatten(n, shape, None, lines)
                    roots += 1
                for obj in lines:
                    if fault and objects >= fail_after:
                        error_code = fault.get("errorCode", "INTERNAL_SERVER_ERROR")
                        break
                    b = (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
                    fh.write(b)
                    size += len(b)
                    objects += 1
                if error_code:
                    break
                op["objectCount"], op["rootObjectCount"] = str(objects), str(roots)
                total = ctx.bulk.get("total", 0)
                offset += CHUNK
                if offset >= total:
                    break
            if fault and not error_code:
                error_code = fault.get("errorCode", "INTERNAL_SERVER_ERROR")
    except Exception:
        log.exception("bulk operation %s crashed", op["id"])
        error_code = "INTERNAL_SERVER_ERROR"
    with st.lock:
        op["objectCount"], op["rootObjectCount"] = str(objects), str(roots)
        op["completedAt"] = now_iso()
        if op.get("_cancel"):
            op["status"] = "CANCELED"
            op["partialDataUrl"] = url if objects else None
            op["fileSize"] = str(size) if objects else None
        elif error_code:
            op["status"] = "FAILED"
            op["errorCode"] = error_code
            op["partialDataUrl"] = url if objects else None
            op["fileSize"] = str(size) if objects else None
        else:
            op["status"] = "COMPLETED"
            op["url"] = url if objects else None
            op["fileSize"] = str(size) if objects else None
    state.emit(st, "bulk_operations/finish", events.bulk_finish_payload(_public(op)))
