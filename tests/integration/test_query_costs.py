"""Every query the flows send stays under Shopify's single-query cost cap (1,000 points).

Runs each flow against a devstore shop large enough to fill every page (first runs by bulk,
incremental runs by pages, the reconciliations, the mappings import), then reads devstore's
request log: no request may be refused, and none may ask for more than the cap.
"""

from shopify_app.extensions import db
from shopify_app.models import Shop
from shopify_app.sync.runner import run_flow

from .test_install_lifecycle import find, managed_install, new_devstore_shop

MAX_QUERY_COST = 1000


def test_no_flow_asks_for_more_than_the_cost_cap(connected_app):
    c = connected_app
    domain = f"cost-{__import__('uuid').uuid4().hex[:8]}.myshopify.com"
    c.ds.create_shop(domain, products=40, orders=40, locations=4)
    c.ds.install(domain)
    assert managed_install(c, domain).status_code == 200
    shop_id = find(c, domain).id
    c.ds.clear_logs(domain)

    with c.app.app_context():
        db.session.get(Shop, shop_id).settings = {"order_import": "open"}
        db.session.commit()
        for flow in ("locations", "products", "orders", "mappings", "inventory", "fulfillments"):
            run = run_flow(shop_id, flow, "manual")
            assert run.status in ("succeeded", "skipped"), (flow, run.error)
        # Incremental runs: a few changes since the cursor go through the paginated queries.
        for product in c.ds.products(domain, limit=5)[:5]:
            c.ds.update_product(domain, product["id"], title=product["title"] + " (new)")
        for order in c.ds.orders(domain, limit=5)[:5]:
            c.ds.touch_order(domain, order["id"], webhook=False)
        for flow in ("products", "orders"):
            assert run_flow(shop_id, flow, "manual").status == "succeeded"
        for flow in ("products", "orders", "inventory", "locations"):
            run = run_flow(shop_id, flow, "reconcile")
            assert run.status in ("succeeded", "skipped"), (flow, run.error)

    log = c.ds.graphql_log(domain)
    assert log, "the flows sent nothing"
    too_costly = [(e["operation"], e["requestedQueryCost"]) for e in log
                  if (e.get("requestedQueryCost") or 0) > MAX_QUERY_COST]
    refused = [(e["operation"], e["error_codes"]) for e in log
               if set(e.get("error_codes") or ()) - {"THROTTLED"}]
    assert too_costly == []
    assert refused == []
    operations = {e["operation"] for e in log}
    assert {"ProductsPage", "OrdersPage"} <= operations, operations
