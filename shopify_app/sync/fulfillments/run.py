"""The `fulfillments` flow: pending fulfillment requests pushed, then returns to refund."""
from __future__ import annotations

from ...models import FulfillmentRequest
from ..flows import RunContext
from ..oms_requests.store import push_pending
from ..refunds.push import push_pending_returns
from .push import push_request


def run_fulfillments(ctx: RunContext) -> None:
    """Push the OMS's shipments to Shopify (and returns as refunds when the shop uploads them)."""
    push_pending(ctx, FulfillmentRequest, push_request)
    push_pending_returns(ctx)
