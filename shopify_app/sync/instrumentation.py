"""The hooks that make a run and a webhook delivery watchable: each wraps the one function
that carries the unit of work out (`@observed_run` on runner.run_flow, `@observed_delivery`
on webhooks.process), so that its log lines carry the shop, flow, run and delivery
(shopify_app/log_context.py) and its outcome is counted (shopify_app/metrics.py).

Whatever runs the work (a scheduler thread, a Celery task) gets both by calling the
wrapped function; nothing else needs to know.
"""
from __future__ import annotations

import functools
import inspect

from .. import log_context


def observed_run(run_flow):
    """For `run_flow(shop_id, flow_name, ...) -> SyncRun`: a log scope with the flow (the
    run binds its shop and run id once it has them)."""
    signature = inspect.signature(run_flow)

    @functools.wraps(run_flow)
    def wrapper(*args, **kwargs):
        arguments = signature.bind_partial(*args, **kwargs).arguments
        queued = arguments.get("run")
        with log_context.scope(flow=arguments.get("flow_name"), run_id=getattr(queued, "id", None)):
            return run_flow(*args, **kwargs)

    return wrapper


def observed_delivery(process):
    """For `process(delivery)`: a log scope with the delivery's shop, webhook id and topic."""

    @functools.wraps(process)
    def wrapper(delivery, *args, **kwargs):
        with log_context.scope(shop=delivery.shop_domain, delivery_id=delivery.webhook_id, topic=delivery.topic):
            return process(delivery, *args, **kwargs)

    return wrapper
