"""web/ never catches the GraphQL client's errors: what the merchant asks beyond the
shop's access level reaches it as sync/'s NotPermitted, with AccessDenied's words and
the same answers; flows and commands still see AccessDenied."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shopify_app.shopify.access import AccessDenied
from shopify_app.sync.connection import NotPermitted
from shopify_app.sync.locations.run import import_now
from shopify_app.sync.orders.run import refetch_by_reference, refetch_for_merchant
from tests.conftest import create_shop

WEB = Path(__file__).resolve().parents[2] / "shopify_app" / "web"


def test_no_web_module_imports_the_graphql_client_or_accessdenied():
    found = []
    for path in WEB.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = (getattr(node, "module", None) or "") if isinstance(node, ast.ImportFrom) else ""
            names = {a.name for a in node.names} if isinstance(node, ast.ImportFrom) else set()
            if module.endswith("graphql_client") or (module.endswith("shopify.access") and "AccessDenied" in names):
                found.append(f"{path.relative_to(WEB)}: {module} {sorted(names)}")
    assert found == []


def test_what_the_merchant_asks_beyond_the_access_level_is_not_permitted_in_accessdenieds_words(app):
    shop = create_shop(access="none")
    with pytest.raises(NotPermitted, match="access level none does not allow"):
        import_now(shop)
    with pytest.raises(NotPermitted, match="access level none does not allow"):
        refetch_for_merchant(shop, "#1001")
    with pytest.raises(AccessDenied):  # the CLI's and the operator console's call
        refetch_by_reference(shop, "#1001")


def test_the_pages_answer_409_as_before(client, app, auth_headers):
    create_shop(access="none")
    imported = client.post("/api/locations/import", headers=auth_headers())
    assert imported.status_code == 409
    assert imported.json["error"] == "cannot read locations: access level none does not allow this flow"
    refetched = client.post("/api/orders/refetch", json={"order": "#1001"}, headers=auth_headers())
    assert refetched.status_code == 409 and "access level none does not allow" in refetched.json["error"]
