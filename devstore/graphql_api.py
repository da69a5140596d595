"""POST /<shop>/admin/api/<version>/graphql.json: the Admin GraphQL API.

Order of checks, as Shopify does them: access token (401), document parse and validation,
variables, operation, requested cost (MAX_COST_EXCEEDED above 1000), the shop's leaky
bucket (THROTTLED), then execution with access scopes enforced per field; the bucket is
refunded the difference between requested and actual cost; `extensions.cost` always.
"""
from __future__ import annotations

import json
import re
import time
import uuid

from flask import Blueprint, current_app, jsonify, request
from graphql import GraphQLError

from devstore import bulk
from devstore.config import API_VERSIONS
from devstore.graphql import cost as costmod
from devstore.graphql import mutations, resolvers, returns
from devstore.graphql import schema as schemamod
from devstore.graphql.documents import prepare
from devstore.graphql.resolvers import Context, joined
from devstore.store import now_iso

bp = Blueprint("devstore_graphql", __name__)

INVALID_TOKEN = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
LOG_MAX = 5000
# What answers each field: the tables of the modules that define resolvers, listed and
# joined here (no resolver is there because some module happened to be imported first).
RESOLVERS = joined(resolvers.RESOLVERS, mutations.RESOLVERS, returns.RESOLVERS, bulk.RESOLVERS)


def schema_ready() -> bool:
    return schemamod.ready()


def warm_schema():
    schemamod.warm()


def authenticate(state, shop_domain, token):
    """-> (shop, token record) or (None, None)."""
    st = state.shop(shop_domain)
    if st is None or not token:
        return None, None
    rec = st.tokens.get(token)
    if rec is None or rec.get("revoked") or not st.installed:
        return None, None
    if rec.get("expires_at") and time.time() > rec["expires_at"]:
        return None, None
    if not rec.get("used"):
        rec["used"] = True
        # the refresh token this one replaced stays valid until the new access token is used
        prev = rec.get("replaces_refresh")
        if prev and prev in st.refresh_tokens:
            st.refresh_tokens[prev]["revoked"] = True
    return st, rec


@bp.post("/<shop>/admin/api/<version>/graphql.json")
def graphql_endpoint(shop, version):
    state = current_app.extensions["devstore"]
    if version not in API_VERSIONS:
        return jsonify({"errors": "Not Found"}), 404
    st, tok = authenticate(state, shop, request.headers.get("X-Shopify-Access-Token"))
    if st is None:
        return jsonify(INVALID_TOKEN), 401
    body = _body()
    if body is None:
        return jsonify({"errors": {"query": "Required parameter missing or invalid"}}), 400
    ctx = Context(state, st, st.effective_scopes(tok.get("scopes")), token=tok, api_version=version,
                  resolvers=RESOLVERS)
    ctx.cost_debug = request.headers.get("Shopify-GraphQL-Cost-Debug") == "1"
    t0 = time.monotonic()
    result, status = run(ctx, body.get("query") or "", body.get("variables") or {}, body.get("operationName"))
    _log(st, body, result, time.monotonic() - t0, tok)
    resp = current_app.response_class(json.dumps(result), status=status, mimetype="application/json")
    resp.headers["X-Shopify-API-Version"] = version
    resp.headers["X-Request-Id"] = uuid.uuid4().hex
    if status == 429:
        tstat = st.bucket.status()
        short = max(0.0, (result["extensions"]["cost"]["requestedQueryCost"] - tstat["currentlyAvailable"]))
        resp.headers["Retry-After"] = str(max(1, int(-(-short // max(tstat["restoreRate"], 1)))))
    return resp


def _body():
    ct = request.content_type or ""
    if "application/graphql" in ct:
        return {"query": request.get_data(as_text=True)}
    data = request.get_json(silent=True, force=True)
    if not isinstance(data, dict) or not isinstance(data.get("query"), str):
        return None
    v = data.get("variables")
    if isinstance(v, str):
        try:
            data["variables"] = json.loads(v) if v.strip() else {}
        except ValueError:
            return None
    return data


def _cost_ext(st, requested, actual):
    return {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual,
                     "throttleStatus": st.bucket.status()}}


# --- running a document --------------------------------------------------------------------------

def run(ctx: Context, query: str, variables: dict, operation_name=None, charge=True):
    """Run a document for the API endpoint. -> (response dict, http status)."""
    st = ctx.shop
    schema = schemamod.get_schema()
    op, fragments, coerced, doc, errors, exe = prepare(query, variables, operation_name, ctx)
    if errors:
        return {"errors": errors, "extensions": _cost_ext(st, 0, 0)}, 200
    root = schema.mutation_type if op.operation.value == "mutation" else schema.query_type
    trace = [] if getattr(ctx, "cost_debug", False) else None
    requested = costmod.requested_cost(op, root, coerced, fragments, trace)
    if requested > costmod.MAX_QUERY_COST:
        return {"errors": [costmod.max_cost_error(requested)], "extensions": _cost_ext(st, requested, None)}, 200
    if charge and not st.bucket.try_take(requested):
        # HTTP 200 as is common; the `throttled_status` fault makes it 429 (also seen from Shopify)
        status = int(ctx.state.faults.get("throttled_status") or 200)
        return {"errors": [costmod.throttled_error()], "extensions": _cost_ext(st, requested, None)}, status
    ctx.operation = op
    try:
        data = exe.execute_operation(op, {})
    except GraphQLError as e:
        exe.errors.append(e)
        data = None
    res = exe.build_response(data, exe.errors)
    out = {}
    if res.errors:
        out["errors"] = [_execution_error(e) for e in res.errors]
    out["data"] = res.data
    actual = costmod.actual_cost(op, root, res.data, coerced, fragments)
    actual = min(actual, requested) if op.operation.value != "mutation" else actual
    if charge and requested > actual:
        st.bucket.refund(requested - actual)
    ext = _cost_ext(st, requested, actual)
    if trace is not None:
        best = {}
        for e in trace:   # an interface's possible types may list a path more than once: keep the max
            k = tuple(str(x) for x in e["path"])
            if k not in best or (e["requestedTotalCost"] or 0) > (best[k]["requestedTotalCost"] or 0):
                best[k] = e
        ext["cost"]["fields"] = [best[k] for k in sorted(best)]
    if ctx.warnings:
        ext["search"] = [{"path": [k], "warnings": [{"field": f, "message": "Invalid search field for this query."}
                                                     for f in sorted(v)]} for k, v in ctx.warnings.items()]
    out["extensions"] = ext
    return out, 200


def _execution_error(e: GraphQLError) -> dict:
    """A resolver error in Shopify's shape; unexpected exceptions are INTERNAL_SERVER_ERROR."""
    unexpected = e.original_error is not None and not isinstance(e.original_error, GraphQLError)
    if unexpected:
        current_app.logger.error("resolver error at %s", e.path, exc_info=e.original_error)
    out = {"message": "Internal error. Looks like something went wrong on our end." if unexpected else e.message}
    if e.locations:
        out["locations"] = [{"line": l.line, "column": l.column} for l in e.locations]
    if e.path:
        out["path"] = list(e.path)
    ext = dict(e.extensions or {})
    if unexpected:
        ext = {"code": "INTERNAL_SERVER_ERROR", "detail": f"{type(e.original_error).__name__}: {e.original_error}"}
    if ext:
        out["extensions"] = ext
    return out


def _log(st, body, result, seconds, tok):
    cost = (result.get("extensions") or {}).get("cost") or {}
    codes = [((e.get("extensions") or {}).get("code")) for e in result.get("errors") or [] if isinstance(e, dict)]
    q = body.get("query") or ""
    m = re.search(r"\b(query|mutation)\s+(\w+)", q)
    entry = {"at": now_iso(), "operation": m.group(2) if m else None,
             "kind": m.group(1) if m else ("mutation" if q.lstrip().startswith("mutation") else "query"),
             "query": q[:4000], "variables": _trim(body.get("variables")),
             "requestedQueryCost": cost.get("requestedQueryCost"), "actualQueryCost": cost.get("actualQueryCost"),
             "throttled": "THROTTLED" in codes, "error_codes": [c for c in codes if c],
             "currentlyAvailable": (cost.get("throttleStatus") or {}).get("currentlyAvailable"),
             "ms": round(seconds * 1000, 1), "token": (tok or {}).get("token", "")[:12]}
    with st.lock:
        st.graphql_log.append(entry)
        if len(st.graphql_log) > LOG_MAX:
            del st.graphql_log[: len(st.graphql_log) - LOG_MAX]


def _trim(v):
    try:
        s = json.dumps(v)
    except (TypeError, ValueError):
        return None
    if len(s) > 20000:
        return {"_truncated": True, "size": len(s)}
    return v
