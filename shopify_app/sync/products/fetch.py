"""What the products flow asks Shopify: the bulk query, pages of changed products
(with all their variants), and how many products a filter matches."""
from __future__ import annotations

from datetime import datetime

from ...shopify.documents import load_document
from ...shopify.times import search_time

PAGE_SIZE = 6  # requested cost about 125 a product (variants and media inline): under the 1,000 cap


def changed_since(since: datetime) -> str:
    """The search filter for products changed since a moment."""
    return f"updated_at:>='{search_time(since)}'"


def bulk_query(since: datetime | None) -> str:
    doc = load_document("products_bulk")
    if since is None:
        return doc.replace("query: \"updated_at:>='1970-01-01T00:00:00Z'\", ", "")
    return doc.replace("1970-01-01T00:00:00Z", search_time(since))


def all_variants(client, node: dict) -> list[dict]:
    """A product's variants, with the pages beyond the first fetched."""
    variants = list((node.get("variants") or {}).get("nodes") or [])
    page = (node.get("variants") or {}).get("pageInfo") or {}
    while page.get("hasNextPage"):
        more = client.execute("products_variants", {"id": node["id"], "after": page["endCursor"]})
        vconn = ((more.get("product") or {}).get("variants")) or {}
        variants.extend(vconn.get("nodes") or [])
        page = vconn.get("pageInfo") or {}
    return variants


def products_page(client, query: str, after: str | None) -> tuple[list[tuple[dict, list[dict]]], dict]:
    """One page of products matching `query`: ([(node, all its variants)], pageInfo)."""
    conn = client.execute("products_page", {"first": PAGE_SIZE, "after": after, "query": query})["products"]
    return [(node, all_variants(client, node)) for node in conn["nodes"]], conn["pageInfo"]


def shopify_count(client, query: str | None) -> int:
    data = client.execute("products_count", {"query": query})
    return int((data.get("productsCount") or {}).get("count") or 0)
