"""The `fulfillments` flow: pending fulfillment requests pushed, then returns to refund."""
from __future__ import annotations

from ...models import FulfillmentRequest
from ...shopify.access import AccessLevel
from ..flows import RunContext, register_flow
from ..oms_requests.store import push_pending
from ..refunds.push import push_pending_returns
from .push import push_request


@register_flow("fulfillments", min_level=AccessLevel.READ_WRITE, default_interval_minutes=5)
def run_fulfillments(ctx: RunContext) -> None:
    """Push the OMS's shipments to Shopify (and returns as refunds when the shop uploads them)."""
    push_pending(ctx, FulfillmentRequest, push_request)
    push_pending_returns(ctx)
