"""The hooks that make a run and a webhook delivery watchable: each wraps the one function
that carries the unit of work out (`@observed_run` on runner.run_flow and `@observed_step`
on run_steps.carry_out, the task's way of running; `@observed_delivery` on
webhooks.process and `@observed_apply` on webhooks.apply_delivery, the webhook task), so that its log lines carry the shop, flow, run and delivery
(shopify_app/log_context.py) and its outcome is counted (shopify_app/metrics.py).

Whatever runs the work (a scheduler thread, a Celery task) gets both by calling the
wrapped function; nothing else needs to know.
"""
from __future__ import annotations

import functools
import inspect
import logging

from .. import log_context, metrics
from ..extensions import db
from ..models import Shop, SyncRun, WebhookDelivery
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


def observed_step(carry_out):
    """For `carry_out(run_id, ...)` (a run carried out as tasks, a step at a time): a log
    scope with the run's shop, flow and id, and the run counted and timed on the step that
    finishes it (not on every step)."""

    @functools.wraps(carry_out)
    def wrapper(run_id, *args, **kwargs):
        run = db.session.get(SyncRun, run_id)
        if run is None:
            return carry_out(run_id, *args, **kwargs)
        flow, before = run.flow, run.status
        shop = db.session.get(Shop, run.shop_id)
        with log_context.scope(shop=shop.domain if shop else None, flow=flow, run_id=run_id):
            step = carry_out(run_id, *args, **kwargs)
        after = db.session.get(SyncRun, run_id, populate_existing=True)
        if after is not None and before not in FINISHED and after.status in FINISHED:
            _count_run(flow, after)
        return step

    return wrapper


FINISHED = frozenset({"succeeded", "failed", "skipped"})


def observed_apply(apply_delivery):
    """For `apply_delivery(delivery_id, ...)` (the webhook task): a log scope with the
    delivery's shop, webhook id and topic, and its outcome counted when it is judged
    without reaching `process` (rejected by its claims, held for an inactive shop)."""

    @functools.wraps(apply_delivery)
    def wrapper(delivery_id, *args, **kwargs):
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return apply_delivery(delivery_id, *args, **kwargs)
        topic, shop_domain, webhook_id = delivery.topic, delivery.shop_domain, delivery.webhook_id
        with log_context.scope(shop=shop_domain, delivery_id=webhook_id, topic=topic):
            return apply_delivery(delivery_id, *args, **kwargs)

    return wrapper


def count_delivery(topic: str, status: str) -> None:
    """A delivery's outcome when `process` (which counts its own) does not run."""
    try:
        metrics.observe_webhook_processed(metrics.bounded(topic, TOPICS), status)
    except Exception:  # a metric never fails a delivery
        log.exception("could not count the delivery")
