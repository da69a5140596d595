"""The one place that decides what an access level may call. Pure functions."""
import pytest

from shopify_app.shopify.access import (
    AccessDenied,
    AccessLevel,
    check_access,
    clamp_level,
    max_level_for_scopes,
    required_level,
)

READ = ["read_products", "read_orders"]
WRITE = READ + ["write_inventory", "write_merchant_managed_fulfillment_orders"]


@pytest.mark.parametrize(
    "scopes,level",
    [
        ([], AccessLevel.NONE),
        (["read_products"], AccessLevel.NONE),
        (READ, AccessLevel.READ),
        (["write_products", "write_orders"], AccessLevel.READ),  # write implies read
        (READ + ["write_inventory"], AccessLevel.READ),
        (WRITE, AccessLevel.READ_WRITE),
        (["write_products", "write_orders", "write_inventory", "write_merchant_managed_fulfillment_orders"],
         AccessLevel.READ_WRITE),
    ],
)
def test_the_highest_level_the_scopes_allow(scopes, level):
    assert max_level_for_scopes(scopes) == level


def test_a_level_is_clamped_to_the_scopes():
    assert clamp_level(AccessLevel.READ_WRITE, READ) == AccessLevel.READ
    assert clamp_level(AccessLevel.READ, WRITE) == AccessLevel.READ
    assert clamp_level(AccessLevel.NONE, WRITE) == AccessLevel.NONE


@pytest.mark.parametrize(
    "document,needed",
    [
        ("query { shop { name } }", AccessLevel.READ),
        ("{ products(first: 1) { nodes { id } } }", AccessLevel.READ),
        ('mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }") { bulkOperation { id } } }',
         AccessLevel.READ),
        ('mutation { bulkOperationCancel(id: "gid://shopify/BulkOperation/1") { bulkOperation { id } } }',
         AccessLevel.READ),
        ("mutation M($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) { userErrors { message } } }",
         AccessLevel.READ_WRITE),
        ('mutation { bulkOperationCancel(id: "x") { userErrors { message } } fulfillmentCreate(fulfillment: {lineItemsByFulfillmentOrder: []}) { userErrors { message } } }',
         AccessLevel.READ_WRITE),
    ],
)
def test_what_a_document_needs(document, needed):
    assert required_level(document) == needed


def test_none_calls_nothing_and_read_never_writes():
    with pytest.raises(AccessDenied):
        check_access("none", "query { shop { name } }")
    with pytest.raises(AccessDenied):
        check_access("read", "mutation { webhookSubscriptionDelete(id: \"x\") { userErrors { message } } }")
    check_access("read", "query { shop { name } }")
    check_access("read_write", "mutation { webhookSubscriptionDelete(id: \"x\") { userErrors { message } } }")


def test_a_write_behind_a_fragment_spread_needs_read_write():
    document = """mutation Push($input: InventorySetQuantitiesInput!) { ...Push }
fragment Push on Mutation { inventorySetQuantities(input: $input) { userErrors { message } } }"""
    assert required_level(document) == AccessLevel.READ_WRITE
    with pytest.raises(AccessDenied):
        check_access("read", document)


def test_a_download_behind_an_inline_fragment_stays_read():
    document = 'mutation { ... on Mutation { bulkOperationCancel(id: "x") { userErrors { message } } } }'
    assert required_level(document) == AccessLevel.READ


def test_a_query_spreading_the_shared_fragments_needs_read():
    assert required_level('query { order(id: "x") { ...OrderFields } }') == AccessLevel.READ
