"""Shopify's calculated query cost.

Requested cost is static analysis of the document: scalars and enums 0, objects 1,
interfaces/unions 1 plus the most expensive of their possible selections, connections `2 + (first|last) x (cost of one node)`, lists sized by
their `first`, `nodes(ids:)` by the number of ids, and every mutation field 10.
Actual cost walks the same document against the data that was returned: connections
count the nodes actually returned, null objects cost nothing.
"""
from __future__ import annotations

from graphql import (FieldNode, FragmentSpreadNode, InlineFragmentNode, OperationDefinitionNode, SelectionSetNode,
                     GraphQLList, GraphQLNonNull, is_abstract_type, is_object_type, value_from_ast_untyped)

from devstore.graphql.schema import get_schema, is_connection, is_leaf, named

MUTATION_COST = 10
MAX_QUERY_COST = 1000


class CostError(Exception):
    pass


def _arg(field: FieldNode, name: str, variables: dict):
    for a in field.arguments or ():
        if a.name.value == name:
            return value_from_ast_untyped(a.value, variables)
    return None


def collect_fields(selection_set, fragments) -> list[FieldNode]:
    """The fields a selection set asks for, through inline fragments and fragment spreads,
    one per response key: a field selected twice (directly and by a fragment, or by two
    fragments) is one field whose selections are merged, as GraphQL executes it and as
    Shopify costs it."""
    return merge_fields(f for f, _cond in _typed_fields(selection_set, fragments))


def merge_fields(fields) -> list[FieldNode]:
    by_key: dict[str, FieldNode] = {}
    for f in fields:
        k = _key(f)
        first = by_key.get(k)
        if first is None:
            by_key[k] = f
        elif first.selection_set is not None and f.selection_set is not None:
            merged = SelectionSetNode(selections=(*first.selection_set.selections, *f.selection_set.selections))
            by_key[k] = FieldNode(alias=first.alias, name=first.name, arguments=first.arguments,
                                  directives=first.directives, selection_set=merged, loc=first.loc)
    return list(by_key.values())


def _is_list(t):
    while isinstance(t, GraphQLNonNull):
        t = t.of_type
    return isinstance(t, GraphQLList)


def _field_def(parent, name):
    parent = named(parent)
    fields = getattr(parent, "fields", None)
    if fields is not None and name in fields:
        return fields[name]
    return None


def _key(f):
    return f.alias.value if f.alias else f.name.value


def _conn_node_cost(conn_type, field: FieldNode, variables, fragments, trace=None, path=()):
    """Cost of one node of a connection selection (edges.node / nodes)."""
    conn_type = named(conn_type)
    total = 0
    for f in collect_fields(field.selection_set, fragments):
        name = f.name.value
        if name == "nodes":
            nt = conn_type.fields["nodes"].type
            p = path + (_key(f),)
            children = _sel_cost(nt, f.selection_set, variables, fragments, trace, p)
            _note(trace, p, 1, 1 + children, children)
            total += 1 + children
        elif name == "edges":
            edge_t = named(conn_type.fields["edges"].type)
            for ef in collect_fields(f.selection_set, fragments):
                if ef.name.value == "node":
                    p = path + (_key(f), _key(ef))
                    children = _sel_cost(edge_t.fields["node"].type, ef.selection_set, variables, fragments, trace, p)
                    _note(trace, p, 1, 1 + children, children)
                    total += 1 + children
    return total


def _note(trace, path, defined, total, children):
    if trace is not None:
        trace.append({"path": list(path), "definedCost": defined, "requestedTotalCost": total,
                      "requestedChildrenCost": children})


def _typed_fields(selection_set, fragments, cond=None):
    """Fields of a selection set with the type condition they sit under (None: the parent's type)."""
    out = []
    if selection_set is None:
        return out
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            out.append((sel, cond))
        elif isinstance(sel, InlineFragmentNode):
            tc = sel.type_condition.name.value if sel.type_condition else cond
            out.extend(_typed_fields(sel.selection_set, fragments, tc))
        elif isinstance(sel, FragmentSpreadNode):
            frag = fragments.get(sel.name.value)
            if frag:
                out.extend(_typed_fields(frag.selection_set, fragments, frag.type_condition.name.value))
    return out


def _sel_cost(parent_type, selection_set, variables, fragments, trace=None, path=()) -> int:
    """Sum of the selected fields; on an interface or union, the most expensive possible type."""
    pt = named(parent_type)
    items = _typed_fields(selection_set, fragments)
    if is_abstract_type(pt):
        schema = get_schema()
        conds = {tc for _f, tc in items if tc and tc != pt.name and is_object_type(schema.type_map.get(tc))}
        if conds:
            best = 0
            for c in conds:
                ct = schema.type_map[c]
                applicable = [f for f, tc in items
                              if tc in (None, pt.name, c) or (tc and is_abstract_type(schema.type_map.get(tc))
                                                              and schema.is_sub_type(schema.type_map[tc], ct))]
                total = sum(field_cost(ct, f, variables, fragments, trace, path) for f in merge_fields(applicable))
                best = max(best, total)
            return best
    return sum(field_cost(pt, f, variables, fragments, trace, path) for f in merge_fields(f for f, _tc in items))


def field_cost(parent_type, f: FieldNode, variables, fragments, trace=None, path=()) -> int:
    name = f.name.value
    if name.startswith("__"):
        return 0
    fd = _field_def(parent_type, name)
    if fd is None:
        return 0
    rt = fd.type
    p = path + (_key(f),)
    if is_leaf(rt):
        _note(trace, p, 0, 0, None)
        return 0
    if is_connection(rt):
        n = _arg(f, "first", variables) or _arg(f, "last", variables) or 0
        node = _conn_node_cost(rt, f, variables, fragments, trace, p)
        _note(trace, p, None, 2 + int(n) * node, node)
        return 2 + int(n) * node
    children = _sel_cost(rt, f.selection_set, variables, fragments, trace, p)
    child = 1 + children
    if _is_list(rt):
        n = _arg(f, "first", variables)
        if n is None:
            ids = _arg(f, "ids", variables)
            n = len(ids) if isinstance(ids, list) else 1
        _note(trace, p, 1, int(n) * child, children)
        return int(n) * child
    _note(trace, p, 1, child, children)
    return child


def requested_cost(op: OperationDefinitionNode, root_type, variables: dict, fragments: dict, trace=None) -> int:
    """`trace` (a list) receives Shopify's cost-debug entries: path, definedCost,
    requestedTotalCost, requestedChildrenCost."""
    if op.operation.value == "mutation":
        for f in collect_fields(op.selection_set, fragments):
            _note(trace, (_key(f),), MUTATION_COST, MUTATION_COST, 0)
        return MUTATION_COST * len(collect_fields(op.selection_set, fragments))
    return _sel_cost(root_type, op.selection_set, variables, fragments, trace, ())


# --- actual cost -------------------------------------------------------------------------

def _actual_sel(parent_type, selection_set, data, variables, fragments) -> int:
    if not isinstance(data, dict):
        return 0
    total = 0
    for f in collect_fields(selection_set, fragments):
        key = f.alias.value if f.alias else f.name.value
        if key in data:
            total += _actual_field(parent_type, f, data[key], variables, fragments)
    return total


def _actual_field(parent_type, f, value, variables, fragments) -> int:
    name = f.name.value
    if name.startswith("__") or value is None:
        return 0
    fd = _field_def(parent_type, name)
    if fd is None:
        return 0
    rt = fd.type
    if is_leaf(rt):
        return 0
    if is_connection(rt):
        ct = named(rt)
        total = 2
        if not isinstance(value, dict):
            return total
        seen_nodes = False
        for cf in collect_fields(f.selection_set, fragments):
            key = cf.alias.value if cf.alias else cf.name.value
            if cf.name.value == "nodes" and not seen_nodes and isinstance(value.get(key), list):
                seen_nodes = True
                for n in value[key]:
                    if n is not None:
                        total += 1 + _actual_sel(ct.fields["nodes"].type, cf.selection_set, n, variables, fragments)
            elif cf.name.value == "edges" and isinstance(value.get(key), list):
                et = named(ct.fields["edges"].type)
                for e in value[key]:
                    if not isinstance(e, dict):
                        continue
                    for ef in collect_fields(cf.selection_set, fragments):
                        if ef.name.value == "node":
                            k2 = ef.alias.value if ef.alias else "node"
                            if e.get(k2) is not None:
                                total += 1 + _actual_sel(et.fields["node"].type, ef.selection_set, e[k2],
                                                         variables, fragments)
        return total
    if isinstance(value, list):
        return sum(1 + _actual_sel(rt, f.selection_set, v, variables, fragments) for v in value if v is not None)
    return 1 + _actual_sel(rt, f.selection_set, value, variables, fragments)


def actual_cost(op: OperationDefinitionNode, root_type, data, variables: dict, fragments: dict) -> int:
    if op.operation.value == "mutation":
        return MUTATION_COST * len(collect_fields(op.selection_set, fragments))
    return _actual_sel(root_type, op.selection_set, data or {}, variables, fragments)


def max_cost_error(cost: int) -> dict:
    return {
        "message": (f"Query cost is {cost}, which exceeds the single query max cost limit ({MAX_QUERY_COST}).\n\n"
                    "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
                    "cost of a query is calculated.\n\n"
                    "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
                    "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"),
        "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": MAX_QUERY_COST,
                       "documentation": "https://shopify.dev/api/usage/rate-limits"},
    }


def throttled_error() -> dict:
    return {"message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}
