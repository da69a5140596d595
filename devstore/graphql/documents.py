"""A GraphQL document made ready to run, as Shopify does it: parsed, validated, its
operation chosen and its variables coerced, with each error in Shopify's shape.

Apart from the endpoint (devstore/graphql_api.py) so that bulk operations, whose
mutations the endpoint's resolver table lists, check their queries the same way."""
from __future__ import annotations

import re

from graphql import FragmentDefinitionNode, GraphQLError, OperationDefinitionNode, parse, validate
from graphql.error import GraphQLSyntaxError
from graphql.execution import ExecutionContext

from devstore.graphql import schema as schemamod
from devstore.graphql.resolvers import field_resolver, type_resolver

# --- error shapes ------------------------------------------------------------------------------

_PATTERNS = [
    (re.compile(r"^Cannot query field '(?P<field>[^']+)' on type '(?P<type>[^']+)'\."),
     lambda m: (f"Field '{m['field']}' doesn't exist on type '{m['type']}'",
                {"code": "undefinedField", "typeName": m["type"], "fieldName": m["field"]})),
    (re.compile(r"^Field '(?P<field>[^']+)' argument '(?P<arg>[^']+)' of type '[^']+' is required, but it was not provided\."),
     lambda m: (f"Field '{m['field']}' is missing required arguments: {m['arg']}",
                {"code": "missingRequiredArguments", "className": "Field", "name": m["field"],
                 "arguments": m["arg"]})),
    (re.compile(r"^Unknown argument '(?P<arg>[^']+)' on field '(?P<type>[^'.]+)\.(?P<field>[^']+)'\."),
     lambda m: (f"Field '{m['field']}' doesn't accept argument '{m['arg']}'",
                {"code": "argumentNotAccepted", "name": m["field"], "typeName": "Field",
                 "argumentName": m["arg"]})),
    (re.compile(r"^Unknown type '(?P<type>[^']+)'\."),
     lambda m: (f"No such type {m['type']}, so it can't be a fragment condition",
                {"code": "undefinedType", "typeName": m["type"]})),
    (re.compile(r"^Field '(?P<field>[^']+)' of type '(?P<type>[^']+)' must have a selection of subfields\."),
     lambda m: (f"Field must have selections (field '{m['field']}' returns {m['type'].strip('[]!')} but has no selections. "
                f"Did you mean '{m['field']} {{ ... }}'?)",
                {"code": "selectionMismatch", "nodeName": f"field '{m['field']}'",
                 "typeName": m["type"].strip("[]!")})),
    (re.compile(r"^Field '(?P<field>[^']+)' must not have a selection since type '(?P<type>[^']+)' has no subfields\."),
     lambda m: (f"Selections can't be made on scalars (field '{m['field']}' returns {m['type']} but has selections "
                f"[...])", {"code": "selectionMismatch", "nodeName": f"field '{m['field']}'",
                            "typeName": m["type"]})),
    (re.compile(r"^Variable '\$(?P<var>[^']+)' is never used"),
     lambda m: (f"Variable ${m['var']} is declared by anonymous query but not used",
                {"code": "variableNotUsed", "variableName": m["var"]})),
    (re.compile(r"^Variable '\$(?P<var>[^']+)' is not defined"),
     lambda m: (f"Variable ${m['var']} is used by anonymous query but not declared",
                {"code": "variableNotDefined", "variableName": m["var"]})),
]


def shopify_error(err: GraphQLError, default_code="GRAPHQL_VALIDATION_FAILED") -> dict:
    msg, ext = err.message, dict(err.extensions or {})
    for rx, fn in _PATTERNS:
        m = rx.match(msg)
        if m:
            msg, ext2 = fn(m)
            ext = {**ext2, **ext}
            break
    ext.setdefault("code", default_code)
    out = {"message": msg}
    if err.locations:
        out["locations"] = [{"line": l.line, "column": l.column} for l in err.locations]
    if err.path:
        out["path"] = list(err.path)
    out["extensions"] = ext
    return out


def _variable_error(err: GraphQLError) -> dict:
    m = re.match(r"^Variable '\$(?P<var>[^']+)' (?:of (?:required |non-null )?type '(?P<type>[^']+)' )?"
                 r"(?:has invalid value|got invalid value|was not provided)(?P<rest>.*)$", err.message, re.S)
    out = {"message": err.message}
    if m:
        var, typ = m["var"], m["type"] or ""
        value = None
        expl = (m["rest"] or "").strip(" ;.:") or "Expected value to not be null"
        out["message"] = f"Variable ${var} of type {typ} was provided invalid value"
        out["extensions"] = {"code": "INVALID_VARIABLE", "value": value,
                             "problems": [{"path": [], "explanation": expl}]}
    else:
        out["extensions"] = {"code": "INVALID_VARIABLE"}
    if err.locations:
        out["locations"] = [{"line": l.line, "column": l.column} for l in err.locations]
    return out


def prepare(query: str, variables: dict, operation_name=None, context=None):
    """Parse, validate, choose the operation and coerce the variables (once).

    -> (op, fragments, coerced_variables, document, errors, execution_context)"""
    schema = schemamod.get_schema()
    try:
        doc = parse(query)
    except GraphQLSyntaxError as e:
        err = {"message": e.message, "locations": [{"line": l.line, "column": l.column} for l in (e.locations or [])],
               "extensions": {"code": "GRAPHQL_PARSE_FAILED"}}
        return None, None, None, None, [err], None
    errors = validate(schema, doc)
    if errors:
        return None, None, None, doc, [shopify_error(e) for e in errors], None
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    if operation_name:
        if not any(o.name and o.name.value == operation_name for o in ops):
            return None, None, None, doc, [{"message": f"No operation named \"{operation_name}\"",
                                            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}], None
    elif len(ops) > 1:
        return None, None, None, doc, [{"message": "An operation name is required",
                                        "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}], None
    exe = ExecutionContext.build(schema, doc, {}, context, variables or {}, operation_name,
                                 field_resolver, type_resolver)
    if isinstance(exe, list):
        return None, None, None, doc, [_variable_error(e) for e in exe], None
    op = exe.operation
    if op.operation.value == "subscription":
        return None, None, None, doc, [{"message": "Subscriptions are not supported",
                                        "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}], None
    return op, fragments, exe.variable_values, doc, [], exe
