"""Shopify's search syntax (the `query:` argument), for the filters devstore models.

`updated_at:>'2026-11-01T00:00:00Z' status:active`, `id:>123`, `tag:x OR tag:y`,
`-status:archived`, `NOT title:foo`, `sku:ABC*`. Terms are ANDed; `OR` separates groups.
Unknown filter fields are ignored (as Shopify does) and reported as warnings.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from devstore.store import gid_num

_TOKEN = re.compile(r"""(-?[\w.]+:(?:>=|<=|>|<|=)?(?:'[^']*'|"[^"]*"|[^\s()]+))|('[^']*'|"[^"]*")|(\S+)""")


def parse_time(v):
    if v is None:
        return None
    if isinstance(v, datetime):
        return v if v.tzinfo else v.replace(tzinfo=timezone.utc)
    s = str(v).strip().strip("'\"")
    if s.lower() == "now":
        return datetime.now(timezone.utc)
    try:
        if len(s) == 10:
            return datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        d = datetime.fromisoformat(s.replace("Z", "+00:00"))
        return d if d.tzinfo else d.replace(tzinfo=timezone.utc)
    except ValueError:
        return None


class Term:
    def __init__(self, field, op, value, negate):
        self.field, self.op, self.value, self.negate = field, op, value, negate

    def __repr__(self):
        return f"Term({self.field!r},{self.op!r},{self.value!r},{self.negate})"


def parse(q: str | None):
    """-> list of OR-groups, each a list of Terms (ANDed)."""
    if not q or not q.strip():
        return []
    groups, cur, negate_next = [], [], False
    for m in _TOKEN.finditer(q.replace("(", " ").replace(")", " ")):
        tok = m.group(0)
        if tok == "OR":
            if cur:
                groups.append(cur)
            cur = []
            continue
        if tok == "AND":
            continue
        if tok == "NOT":
            negate_next = True
            continue
        neg = negate_next
        negate_next = False
        if tok.startswith("-") and len(tok) > 1:
            neg, tok = True, tok[1:]
        if m.group(1):
            field, _, rest = tok.partition(":")
            op = "="
            for cand in (">=", "<=", ">", "<", "="):
                if rest.startswith(cand):
                    op, rest = cand, rest[len(cand):]
                    break
            value = rest[1:-1] if len(rest) >= 2 and rest[0] in "'\"" and rest[-1] == rest[0] else rest
            cur.append(Term(field.lower(), op, value, neg))
        else:
            value = tok[1:-1] if tok[0] in "'\"" and tok[-1] == tok[0] and len(tok) > 1 else tok
            cur.append(Term(None, "=", value, neg))
    if cur:
        groups.append(cur)
    return groups


def _cmp(a, op, b):
    try:
        if op == "=":
            return a == b
        if op == ">":
            return a > b
        if op == ">=":
            return a >= b
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
    except TypeError:
        return False
    return False


def _match_term(obj, t: Term, fields: dict, default_text, warnings):
    if t.field is None:
        hay = (default_text(obj) or "").lower()
        v = t.value.lower().rstrip("*")
        return v in hay
    spec = fields.get(t.field)
    if spec is None:
        warnings.add(t.field)
        return True
    kind, getter = spec
    got = getter(obj)
    if kind == "time":
        want = parse_time(t.value)
        if want is None:
            return False
        return _cmp(parse_time(got), t.op, want) if got else False
    if kind == "id":
        try:
            want = int(gid_num(t.value) if str(t.value).startswith("gid://") else t.value)
        except ValueError:
            return False
        return _cmp(gid_num(got), t.op, want)
    if kind == "num":
        try:
            return _cmp(float(got), t.op, float(t.value))
        except (TypeError, ValueError):
            return False
    # text / enum / list of text
    values = got if isinstance(got, (list, tuple, set)) else [got]
    want = t.value.lower()
    for g in values:
        if g is None:
            continue
        g = str(g).lower()
        if want.endswith("*"):
            if g.startswith(want[:-1]):
                return True
        elif t.op == "=":
            if g == want:
                return True
        elif _cmp(g, t.op, want):
            return True
    return False


def matcher(q: str | None, fields: dict, default_text=lambda o: o.get("title") or o.get("name")):
    """Returns (predicate, warnings:set of ignored field names)."""
    groups = parse(q)
    warnings: set = set()
    if not groups:
        return (lambda o: True), warnings
    # special-cased ANY: status:any matches all
    def pred(o):
        for g in groups:
            ok = True
            for t in g:
                r = _match_term(o, t, fields, default_text, warnings)
                if t.negate:
                    r = not r
                if not r:
                    ok = False
                    break
            if ok:
                return True
        return False
    # compute warnings eagerly (for objects-less queries too)
    for g in groups:
        for t in g:
            if t.field is not None and t.field not in fields:
                warnings.add(t.field)
    return pred, warnings
