"""The `fulfillments` flow: pending fulfillment requests pushed, then returns to refund."""
from __future__ import annotations

from ...models import FulfillmentRequest
from ...shopify.access import AccessLevel
from ...shopify.graphql_client import GraphQLError
from ..flows import RunContext, register_flow
from ..oms_requests.store import pending_requests, record_push_error
from ..refunds.push import push_pending_returns
from .push import push_request


@register_flow("fulfillments", min_level=AccessLevel.READ_WRITE, default_interval_minutes=5)
def run_fulfillments(ctx: RunContext) -> None:
    """Push the OMS's shipments to Shopify (and returns as refunds when the shop uploads them)."""
    for req in pending_requests(FulfillmentRequest, ctx.shop.id):
        try:
            status = push_request(ctx.client, req)
        except GraphQLError as exc:
            record_push_error(req, exc)
            ctx.count("errors")
            continue
        ctx.count(status)
    push_pending_returns(ctx)
