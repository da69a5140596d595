"""sync/ knows nothing of HTTP: its errors say why (`reason`), and web/ holds the status
each reason answers. `status` stays a domain word (a run's, an order's broker status),
so the scan looks at exception classes only."""
from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

from shopify_app.sync.inventory import atp
from shopify_app.sync.oms_requests import checks
from shopify_app.sync.orders import broker
from shopify_app.web.oms.common import REQUEST_STATUS
from shopify_app.web.oms.inventory import REJECTED_STATUS
from shopify_app.web.oms.order_status import REFUSED_STATUS

SYNC = Path(__file__).resolve().parents[2] / "shopify_app" / "sync"
BUILTIN_EXCEPTIONS = {name for name, value in vars(builtins).items()
                      if isinstance(value, type) and issubclass(value, BaseException)}


def base_names(cls: ast.ClassDef) -> set[str]:
    return {b.id if isinstance(b, ast.Name) else b.attr for b in cls.bases if isinstance(b, (ast.Name, ast.Attribute))}


def carries_status(cls: ast.ClassDef) -> bool:
    """A constructor parameter named status, or a `status` attribute (assigned or declared)."""
    for node in ast.walk(cls):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "__init__":
            if any(a.arg == "status" for a in node.args.args + node.args.kwonlyargs):
                return True
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AnnAssign, ast.AugAssign)) else []
        for target in targets:
            if (isinstance(target, ast.Attribute) and target.attr == "status") or (
                    isinstance(target, ast.Name) and target.id == "status"):
                return True
    return False


def sync_exception_classes() -> dict[str, ast.ClassDef]:
    classes = [(path, node) for path in SYNC.rglob("*.py")
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.ClassDef)]
    known = set(BUILTIN_EXCEPTIONS) | {"HTTPError", "GraphQLError", "AccessDenied"}
    found: dict[str, ast.ClassDef] = {}
    grew = True
    while grew:  # a class deriving from one of sync/'s own exceptions is one too
        grew = False
        for path, cls in classes:
            key = f"{path.relative_to(SYNC)}:{cls.name}"
            if key not in found and base_names(cls) & known:
                found[key] = cls
                known.add(cls.name)
                grew = True
    return found


def test_no_exception_class_of_sync_carries_a_status():
    found = sync_exception_classes()
    assert {"oms_requests/checks.py:RequestInvalid", "orders/broker.py:StatusRefused",
            "inventory/atp.py:AtpRejected", "locations/mapping.py:LocationError"} <= set(found)
    assert [key for key, cls in found.items() if carries_status(cls)] == []


def test_the_scan_finds_a_status_however_it_is_carried():
    for source in ("class E(ValueError):\n    def __init__(self, status, message): pass",
                   "class E(Exception):\n    def __init__(self, message):\n        self.status = 1",
                   "class E(Exception):\n    status = 404"):
        assert carries_status(ast.parse(source).body[0])
    assert not carries_status(ast.parse("class E(Exception):\n    def __init__(self, reason): self.reason = reason").body[0])


@pytest.mark.parametrize("module, table", [(checks, REQUEST_STATUS), (broker, REFUSED_STATUS), (atp, REJECTED_STATUS)])
def test_web_answers_every_reason_sync_names(module, table):
    reasons = {value for name, value in vars(module).items()
               if name.isupper() and isinstance(value, str) and not name.startswith("MAX")}
    assert reasons and reasons == set(table)


def test_the_sync_errors_say_why_not_which_status():
    assert checks.RequestInvalid(checks.INVALID, "bad", ["x"]).reason == checks.INVALID
    assert broker.StatusRefused(broker.LINES_UNKNOWN, "bad").reason == broker.LINES_UNKNOWN
    with pytest.raises(atp.AtpRejected) as rejected:
        atp.apply_atp([{"facility_id": "F", "sku": 1}])
    assert rejected.value.reason == atp.MALFORMED and not hasattr(rejected.value, "status")
