"""Every Prometheus metric the app exports, in one place, and the one-line calls that feed them.

Served at /metrics (web/observability.py). Label values are bounded: flows and outcomes
are fixed sets, webhook topics are the subscribed ones (anything else is `other`), and
only the GraphQL series carry a shop, capped at MAX_SHOP_LABELS shops a process
(`other` beyond).

Under gunicorn with several workers (and with worker processes), set
PROMETHEUS_MULTIPROC_DIR to an empty directory shared by the processes of one machine
(prometheus_client writes each process's values there); a scrape then adds them up.
"""
from __future__ import annotations

import hmac
import logging
import os
import threading
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timezone
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.multiprocess import MultiProcessCollector

from .shopify.times import parse_time_or_none

log = logging.getLogger(__name__)

PREFIX = "oms_connector"
OTHER = "other"
MAX_SHOP_LABELS = 100

# The module's own registry: nothing lands in prometheus_client's global one by import.
REGISTRY = CollectorRegistry(auto_describe=True)

SYNC_RUNS = Counter(f"{PREFIX}_sync_runs", "Sync runs finished, by flow and outcome "
                    "(succeeded, failed, skipped, requeued, error)", ["flow", "outcome"], registry=REGISTRY)
SYNC_RUN_DURATION = Histogram(
    f"{PREFIX}_sync_run_duration_seconds", "How long sync runs took, start to finish, by flow and outcome",
    ["flow", "outcome"], registry=REGISTRY,
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400),
)
WEBHOOKS_RECEIVED = Counter(
    f"{PREFIX}_webhooks_received", "Webhook deliveries at the door, by topic and the answer "
    "(processed, accepted, duplicate, rejected, unauthorized, bad_request)", ["topic", "outcome"], registry=REGISTRY)
WEBHOOK_LAG = Histogram(
    f"{PREFIX}_webhook_lag_seconds", "From Shopify's X-Shopify-Triggered-At to our receipt, by topic",
    ["topic"], registry=REGISTRY,
    buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 14400),
)
WEBHOOKS_PROCESSED = Counter(
    f"{PREFIX}_webhooks_processed", "Webhook deliveries applied from the ledger, by topic and outcome "
    "(processed, failed, rejected, ignored)", ["topic", "outcome"], registry=REGISTRY)
GRAPHQL_COST = Counter(f"{PREFIX}_graphql_cost_points", "GraphQL cost points spent (actualQueryCost), by shop",
                       ["shop"], registry=REGISTRY)
GRAPHQL_THROTTLED = Counter(f"{PREFIX}_graphql_throttled", "GraphQL calls Shopify throttled "
                            "(THROTTLED or 429), by shop", ["shop"], registry=REGISTRY)
QUEUE_DEPTH = f"{PREFIX}_queue_depth"


def bounded(value: str | None, allowed: Collection[str]) -> str:
    """`value` when it is one of `allowed`, else `other`: a label never takes an unknown value."""
    return value if value in allowed else OTHER


class ShopLabels:
    """The first MAX_SHOP_LABELS shops seen keep their own label in this process; the rest are `other`."""

    def __init__(self, limit: int = MAX_SHOP_LABELS):
        self.limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, shop: str) -> str:
        with self._lock:
            if shop in self._seen:
                return shop
            if len(self._seen) < self.limit:
                self._seen.add(shop)
                return shop
        return OTHER


shop_label = ShopLabels()


# --- the calls (one line at each place that knows) -------------------------------------------

def observe_run(flow: str, outcome: str, started_at: datetime | None, finished_at: datetime | None) -> None:
    SYNC_RUNS.labels(flow, outcome).inc()
    if started_at and finished_at and outcome not in ("skipped", "requeued"):
        SYNC_RUN_DURATION.labels(flow, outcome).observe(max((finished_at - started_at).total_seconds(), 0.0))


def observe_webhook_received(topic: str, outcome: str, lag_seconds: float | None) -> None:
    """`topic` already bounded (see `bounded`)."""
    WEBHOOKS_RECEIVED.labels(topic, outcome).inc()
    if lag_seconds is not None:
        WEBHOOK_LAG.labels(topic).observe(max(lag_seconds, 0.0))


def observe_webhook_processed(topic: str, outcome: str) -> None:
    WEBHOOKS_PROCESSED.labels(topic, outcome).inc()


def observe_graphql_cost(shop: str, cost: Mapping | None) -> None:
    """From a GraphQL answer's `extensions.cost`."""
    actual = (cost or {}).get("actualQueryCost")
    if isinstance(actual, (int, float)) and actual > 0:
        GRAPHQL_COST.labels(shop_label(shop)).inc(actual)


def observe_graphql_throttled(shop: str) -> None:
    GRAPHQL_THROTTLED.labels(shop_label(shop)).inc()


def lag_since(triggered_at: str | None, now: datetime | None = None) -> float | None:
    """Seconds from Shopify's X-Shopify-Triggered-At (ISO 8601) to `now`; None when unreadable."""
    moment = parse_time_or_none(triggered_at)
    if moment is None:
        return None
    return ((now or datetime.now(timezone.utc)) - moment).total_seconds()


# --- queue depth: computed when scraped ------------------------------------------------------

QueueDepthSource = Callable[[], Mapping[str, float]]
_queue_depth_source: list[QueueDepthSource | None] = [None]


def set_queue_depth_source(source: QueueDepthSource | None) -> None:
    """What `oms_connector_queue_depth{queue=...}` reports: a callable returning {queue: depth},
    called at each scrape (in the scraping request's app context). Swap it when the queue changes."""
    _queue_depth_source[0] = source


class QueueDepthCollector:
    def collect(self):
        family = GaugeMetricFamily(QUEUE_DEPTH, "Work waiting, by queue (computed when scraped)", labels=["queue"])
        source = _queue_depth_source[0]
        try:
            depths = source() if source is not None else {}
        except Exception as exc:  # the database down: the other metrics still answer (/readyz says why)
            log.warning("queue depth not measured: %s: %s", exc.__class__.__name__, str(exc)[:300])
            depths = {}
        for queue, depth in depths.items():
            family.add_metric([queue], float(depth))
        yield family

    def describe(self):
        return []


# Apart: only the web's /metrics (in a request, with the database at hand) computes it.
QUEUE_REGISTRY = CollectorRegistry(auto_describe=False)
QUEUE_REGISTRY.register(QueueDepthCollector())


def process_registry() -> CollectorRegistry:
    """This process's values, or with PROMETHEUS_MULTIPROC_DIR set, those of every process writing there."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


def render(with_queue_depth: bool = True) -> tuple[bytes, str]:
    """The exposition text and its content type."""
    text = generate_latest(process_registry())
    if with_queue_depth:
        text += generate_latest(QUEUE_REGISTRY)
    return text, CONTENT_TYPE_LATEST


# --- a worker's own /metrics (METRICS_PORT) ---------------------------------------------------

def serve_work_metrics(port: int | None, token: str | None, production: bool) -> object | None:
    """Serve this process's metrics on `port` (all addresses), for processes that run the work
    and serve no web: the scheduler, a worker. The same rule as the web's /metrics: a Bearer
    METRICS_TOKEN when set; none in production without one. Returns the server, or None."""
    if not port or (production and not token):
        return None
    class Quiet(WSGIRequestHandler):
        def log_message(self, *_args):  # a scrape every few seconds is no news
            pass

    def app(environ, start_response):
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        if token and not hmac.compare_digest(environ.get("HTTP_AUTHORIZATION", "").encode(), f"Bearer {token}".encode()):
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="metrics"')])
            return [b"metrics need Authorization: Bearer <METRICS_TOKEN>\n"]
        body, content_type = render(with_queue_depth=False)
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    server = make_server("0.0.0.0", port, app, ThreadingWSGIServer, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
