"""Reading orders from Shopify: paged queries, one whole order, counts, and the bulk
query. Reads only; writing is `write`'s and the run's."""
from __future__ import annotations

from collections.abc import Iterator

from ...shopify.documents import load_document

PAGE_SIZE = 2  # requested cost about 365 an order (lines, returns, refund lines inline): under the 1,000 cap


def bulk_query(search: str) -> str:
    """The orders bulk query, restricted to a search."""
    return load_document("orders_bulk").replace("updated_at:>='1970-01-01T00:00:00Z'", search.replace('"', "'"))


def order_pages(client, search: str) -> Iterator[list[dict]]:
    """The order nodes matching a search, a page at a time, each order with all its
    line items. Every Shopify call of a page is made before the page is handed over,
    and the next page is asked for only once the caller is done with it (no call
    inside the caller's write)."""
    after = None
    while True:
        conn = client.execute("orders_page", {"first": PAGE_SIZE, "after": after, "query": search})["orders"]
        for node in conn["nodes"]:
            _complete_lines(client, node)
        yield conn["nodes"]
        if not conn["pageInfo"]["hasNextPage"]:
            return
        after = conn["pageInfo"]["endCursor"]


def fetch_order(client, order_gid: str) -> dict | None:
    """One whole order node with all its line items; None when Shopify has no such order."""
    node = client.execute("orders_one", {"id": order_gid}).get("order")
    if node is not None:
        _complete_lines(client, node)
    return node


def order_count(client, search: str) -> int:
    """How many orders match a search, as Shopify counts them."""
    data = client.execute("orders_count", {"query": search})
    return int((data.get("ordersCount") or {}).get("count") or 0)


VERSIONS_PAGE_SIZE = 250  # ids and a few scalars: about 252 points a page


def day_counts(client, created_search: str, updated_search: str) -> tuple[int, int]:
    """Shopify's counts of the orders created, and updated, in a day (one call)."""
    data = client.execute("orders_day_counts", {"created": created_search, "updated": updated_search})
    return (int((data.get("created") or {}).get("count") or 0), int((data.get("updated") or {}).get("count") or 0))


def version_pages(client, search: str) -> Iterator[list[dict]]:
    """The orders of a search as version nodes (id, name, updatedAt and what the
    import filter reads), a page at a time."""
    after = None
    while True:
        conn = client.execute("orders_versions", {"first": VERSIONS_PAGE_SIZE, "after": after, "query": search})["orders"]
        yield conn["nodes"]
        if not conn["pageInfo"]["hasNextPage"]:
            return
        after = conn["pageInfo"]["endCursor"]


def find_by_name(client, name: str) -> dict | None:
    """The whole order named `name` (`#1001`), or None."""
    for nodes in order_pages(client, f"name:'{name}'"):
        for node in nodes:
            if node.get("name") == name:
                return node
    return None


def _complete_lines(client, node: dict) -> None:
    """An order's line items beyond the first page, appended: the writer takes the
    list as whole (lines missing from it count as removed)."""
    conn = node.get("lineItems") or {}
    page = conn.get("pageInfo") or {}
    while page.get("hasNextPage"):
        more = (client.execute("orders_lines", {"id": node["id"], "after": page["endCursor"]}).get("order")
                or {}).get("lineItems") or {}
        conn.setdefault("nodes", []).extend(more.get("nodes") or [])
        page = more.get("pageInfo") or {}
