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
import logging

from .. import log_context, metrics
from .registry import FLOWS, TOPICS

log = logging.getLogger(__name__)

# A run's recorded status as the outcome counted (a run put back in the queue is `requeued`).
RUN_OUTCOMES = {"succeeded": "succeeded", "failed": "failed", "skipped": "skipped", "queued": "requeued"}


def observed_run(run_flow):
    """For `run_flow(shop_id, flow_name, ...) -> SyncRun`: a log scope with the flow (the
    run binds its shop and run id once it has them), and the run counted and timed."""
    signature = inspect.signature(run_flow)

    @functools.wraps(run_flow)
    def wrapper(*args, **kwargs):
        arguments = signature.bind_partial(*args, **kwargs).arguments
        flow = arguments.get("flow_name")
        queued = arguments.get("run")
        with log_context.scope(flow=flow, run_id=getattr(queued, "id", None)):
            try:
                run = run_flow(*args, **kwargs)
            except Exception:
                metrics.observe_run(metrics.bounded(flow, FLOWS), "error", None, None)
                raise
            _count_run(flow, run)
            return run

    return wrapper


def _count_run(flow: str, run) -> None:
    try:
        metrics.observe_run(metrics.bounded(flow, FLOWS), RUN_OUTCOMES.get(run.status, metrics.OTHER),
                            run.started_at, run.finished_at)
    except Exception:  # a metric never fails a run
        log.exception("could not count the run")


def observed_delivery(process):
    """For `process(delivery)`: a log scope with the delivery's shop, webhook id and topic,
    and its outcome (the status it was left in) counted."""

    @functools.wraps(process)
    def wrapper(delivery, *args, **kwargs):
        topic = delivery.topic
        with log_context.scope(shop=delivery.shop_domain, delivery_id=delivery.webhook_id, topic=topic):
            result = process(delivery, *args, **kwargs)
            try:
                metrics.observe_webhook_processed(metrics.bounded(topic, TOPICS), delivery.status)
            except Exception:  # a metric never fails a delivery
                log.exception("could not count the delivery")
            return result

    return wrapper
