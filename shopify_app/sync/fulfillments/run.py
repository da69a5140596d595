"""The `fulfillments` flow: pending fulfillment requests pushed, then returns to refund."""
from __future__ import annotations

from ...extensions import db
from ...shopify.access import AccessLevel
from ...shopify.graphql_client import GraphQLError
from ..flows import RunContext, register_flow
from ..oms_requests import MAX_ATTEMPTS
from ..refunds.push import push_pending_returns
from .push import push_request
from .requests import pending_requests


@register_flow("fulfillments", min_level=AccessLevel.READ_WRITE, default_interval_minutes=5)
def run_fulfillments(ctx: RunContext) -> None:
    """Push the OMS's shipments to Shopify (and returns as refunds when the shop uploads them)."""
    for req in pending_requests(ctx.shop.id):
        try:
            status = push_request(ctx.client, req)
        except GraphQLError as exc:
            db.session.rollback()
            req = db.session.merge(req)
            req.error = f"{exc.__class__.__name__}: {exc}"[:2000]
            if (req.attempts or 0) >= MAX_ATTEMPTS:
                req.status = "failed"
            db.session.commit()
            ctx.count("errors")
            continue
        ctx.count(status)
    push_pending_returns(ctx)
