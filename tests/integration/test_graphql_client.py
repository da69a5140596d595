"""The GraphQL client against devstore: cost-aware waiting, retries, access levels, per-shop buckets."""
import time

import pytest

from devstore.testing import API_VERSION, new_shop
from shopify_app.shopify.access import AccessDenied
from shopify_app.shopify.graphql_client import GraphQLClient, ShopifyUnauthorized, ShopifyUnavailable
from shopify_app.shopify.throttle import Bucket

PRODUCTS_QUERY = "query { products(first: 20) { nodes { id title } } }"
MUTATION = """mutation { webhookSubscriptionDelete(id: "gid://shopify/WebhookSubscription/1") { userErrors { message } } }"""


def client_for(ds, handle, level="read_write", token=None, sleep=time.sleep, **kwargs):
    return GraphQLClient(handle.domain, lambda rejected: token or handle.token, level,
                         shop_origin=ds.shop_origin, api_version=API_VERSION, bucket=Bucket(),
                         sleep=sleep, timeout=10, **kwargs)


def test_runs_a_document_from_the_graphql_folder(devstore):
    handle = new_shop(devstore)
    data = client_for(devstore, handle).execute("shop_summary")
    assert data["shop"]["myshopifyDomain"] == handle.domain


def test_waits_for_the_bucket_instead_of_failing(devstore):
    handle = new_shop(devstore, products=25)
    devstore.client.set_plan(handle.domain, size=100, rate=100, available=0)
    client = client_for(devstore, handle)
    for _ in range(6):
        response = client.execute_document(PRODUCTS_QUERY)
        assert len(response.data["products"]["nodes"]) == 20
    throttled = [e for e in devstore.client.graphql_log(handle.domain) if "THROTTLED" in str(e)]
    # It reads extensions.cost and waits; at most the very first call can hit an empty bucket.
    assert len(throttled) <= 1


def test_retries_5xx_answers(devstore):
    handle = new_shop(devstore)
    devstore.client.faults(fail_next=2, error_status=503)
    sleeps = []
    data = client_for(devstore, handle, sleep=sleeps.append).execute("shop_summary")
    assert data["shop"]["name"]
    assert len(sleeps) >= 2


def test_gives_up_after_the_retry_budget(devstore):
    handle = new_shop(devstore)
    devstore.client.faults(fail_next=10, error_status=500)
    with pytest.raises(ShopifyUnavailable):
        client_for(devstore, handle, sleep=lambda s: None, max_attempts=3).execute("shop_summary")


def test_read_access_never_sends_a_write(devstore):
    handle = new_shop(devstore)
    before = len(devstore.client.graphql_log(handle.domain))
    with pytest.raises(AccessDenied):
        client_for(devstore, handle, level="read").execute_document(MUTATION)
    with pytest.raises(AccessDenied):
        client_for(devstore, handle, level="none").execute("shop_summary")
    assert len(devstore.client.graphql_log(handle.domain)) == before


def test_a_refused_token_is_refreshed_once_then_reported(devstore):
    handle = new_shop(devstore)
    calls = []

    def provider(rejected):
        calls.append(rejected)
        return "shpat_revoked"

    client = GraphQLClient(handle.domain, provider, "read", shop_origin=devstore.shop_origin, api_version=API_VERSION,
                           bucket=Bucket(), sleep=lambda s: None)
    with pytest.raises(ShopifyUnauthorized):
        client.execute("shop_summary")
    assert calls == [False, True, False]


def test_one_shops_empty_bucket_does_not_slow_another(devstore):
    slow, fast = new_shop(devstore), new_shop(devstore)
    devstore.client.set_plan(slow.domain, size=100, rate=1, available=0)
    slow_client = client_for(devstore, slow)
    slow_client.bucket.observe({"maximumAvailable": 100, "currentlyAvailable": 0, "restoreRate": 1}, time.monotonic())
    assert slow_client.bucket.wait_needed(20, time.monotonic()) > 10
    started = time.monotonic()
    client_for(devstore, fast).execute_document(PRODUCTS_QUERY)
    assert time.monotonic() - started < 5
