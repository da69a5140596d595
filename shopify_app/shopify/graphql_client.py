"""The Admin GraphQL client: one per shop, no process-global Shopify session.

- the access level is checked before anything is sent (shopify_app.shopify.access);
- the token comes from a provider that refreshes it when needed;
- the call waits when the shop's bucket is short, and retries THROTTLED and 429
  (Shopify ran nothing: a throttled answer has no data and no actual cost) and a 401
  once after refreshing the token;
- a query is also retried after 5xx, a non-JSON answer or a connection failure; a
  mutation is not: once it may have reached Shopify, its outcome is unknown
  (OutcomeUnknown) and the caller reads Shopify's state to decide what happened.
  Only a mutation that provably never left (the connection could not be opened) is
  sent again.
"""
from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from graphql import OperationDefinitionNode, OperationType, parse
from urllib3.exceptions import NewConnectionError

from .. import metrics
from .access import AccessLevel, check_access
from .documents import load_document
from .shop_domain import graphql_url
from .throttle import Bucket, buckets

log = logging.getLogger(__name__)

USER_AGENT = "shopify-oms-connector/1.0"


class GraphQLError(Exception):
    """Shopify answered with top-level errors (not user errors)."""

    def __init__(self, message: str, errors: list | None = None, status: int | None = None):
        super().__init__(message)
        self.errors = errors or []
        self.status = status

    @property
    def codes(self) -> set[str]:
        return {
            (e.get("extensions") or {}).get("code")
            for e in self.errors
            if isinstance(e, dict) and (e.get("extensions") or {}).get("code")
        }


class ShopifyUnauthorized(GraphQLError):
    """401/403 from Shopify: the token is not (or no longer) valid."""


class ShopifyUnavailable(GraphQLError):
    """Shopify kept failing (5xx, timeouts, throttling) past the retry budget."""


class OutcomeUnknown(ShopifyUnavailable):
    """A mutation was sent and no usable answer came back (the connection dropped after
    sending, a read timeout, 5xx, an answer that is not JSON): Shopify may or may not
    have applied it. Never resent by the client; the caller reads Shopify's state."""


@dataclass
class GraphQLResponse:
    data: dict
    cost: dict | None
    errors: list


class GraphQLClient:
    def __init__(
        self,
        shop: str,
        token_provider: Callable[[bool], str],
        access_level: AccessLevel | str,
        *,
        shop_origin: str,
        api_version: str,
        timeout: float = 30.0,
        max_attempts: int = 6,
        session: requests.Session | None = None,
        bucket: Bucket | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.shop = shop
        self.url = graphql_url(shop_origin, shop, api_version)
        self.access_level = AccessLevel(access_level)
        self._token_provider = token_provider
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.session = session or requests.Session()
        self.bucket = bucket or buckets.for_shop(shop)
        self._sleep = sleep
        # What each document cost last time: the best guess for the next call.
        self._last_cost: dict[str, float] = {}

    def execute(self, name: str, variables: dict | None = None) -> dict:
        """Run graphql/<name>.graphql; return `data` or raise."""
        return self.execute_document(load_document(name), variables, cache_key=name).data

    def execute_document(
        self, document: str, variables: dict | None = None, cache_key: str | None = None
    ) -> GraphQLResponse:
        check_access(self.access_level, document)
        key = cache_key or document
        mutation = is_mutation(document)
        forced_refresh = False
        delay = 0.5
        last_error: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            self._wait_for_bucket(self._last_cost.get(key, 10.0))
            try:
                resp = self.session.post(
                    self.url,
                    json={"query": document, "variables": variables or {}},
                    headers={
                        "X-Shopify-Access-Token": self._token_provider(False),
                        "Content-Type": "application/json",
                        "Accept": "application/json",
                        "User-Agent": USER_AGENT,
                    },
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                if mutation and not never_sent(exc):
                    raise OutcomeUnknown(f"mutation to {self.shop} sent, no answer: {exc}") from exc
                last_error = exc
                log.warning("GraphQL call to %s failed (attempt %s): %s", self.shop, attempt, exc)
                delay = self._backoff(delay)
                continue

            if resp.status_code in (401, 403):
                if resp.status_code == 401 and not forced_refresh:
                    # The token may have been revoked by a newer one: refresh once.
                    forced_refresh = True
                    self._token_provider(True)
                    continue
                raise ShopifyUnauthorized(
                    f"Shopify answered {resp.status_code} for {self.shop}", status=resp.status_code
                )
            if resp.status_code == 429:
                metrics.observe_graphql_throttled(self.shop)
                retry_after = _float(resp.headers.get("Retry-After"), 1.0)
                last_error = GraphQLError("429 Too Many Requests", status=429)
                self._sleep(retry_after)
                continue
            if resp.status_code >= 500:
                if mutation:
                    raise OutcomeUnknown(f"mutation to {self.shop} answered {resp.status_code}",
                                         status=resp.status_code)
                last_error = GraphQLError(f"Shopify answered {resp.status_code}", status=resp.status_code)
                delay = self._backoff(delay)
                continue
            try:
                body = resp.json()
            except ValueError:
                if mutation:
                    raise OutcomeUnknown(f"mutation to {self.shop} answered {resp.status_code} with no JSON",
                                         status=resp.status_code)
                last_error = GraphQLError(f"Shopify answered {resp.status_code} with no JSON")
                delay = self._backoff(delay)
                continue
            if resp.status_code >= 400:
                raise GraphQLError(
                    f"Shopify answered {resp.status_code}: {body.get('errors')}",
                    errors=_as_list(body.get("errors")),
                    status=resp.status_code,
                )

            cost = (body.get("extensions") or {}).get("cost")
            self._observe_cost(key, cost)
            errors = _as_list(body.get("errors"))
            if errors and any(_code(e) == "THROTTLED" for e in errors):
                metrics.observe_graphql_throttled(self.shop)
                last_error = GraphQLError("Throttled", errors=errors)
                requested = (cost or {}).get("requestedQueryCost") or self._last_cost.get(key, 10.0)
                self._wait_for_bucket(float(requested), force=True)
                continue
            if errors and not body.get("data"):
                raise GraphQLError(
                    "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors),
                    errors=errors,
                )
            return GraphQLResponse(data=body.get("data") or {}, cost=cost, errors=errors)
        raise ShopifyUnavailable(
            f"GraphQL call to {self.shop} failed after {self.max_attempts} attempts: {last_error}"
        )

    def _backoff(self, delay: float) -> float:
        self._sleep(delay + random.uniform(0, delay / 2))
        return min(delay * 2, 30.0)

    def _wait_for_bucket(self, cost: float, force: bool = False) -> None:
        with self.bucket.lock:
            wait = self.bucket.wait_needed(cost, time.monotonic())
            if force and wait == 0:
                wait = 1.0 / max(self.bucket.restore_rate, 1.0)
        if wait > 0:
            self._sleep(wait)
        with self.bucket.lock:
            self.bucket.spend(cost, time.monotonic())

    def _observe_cost(self, key: str, cost: dict | None) -> None:
        metrics.observe_graphql_cost(self.shop, cost)
        if not cost:
            return
        actual = cost.get("actualQueryCost")
        requested = cost.get("requestedQueryCost")
        if requested is not None:
            self._last_cost[key] = float(requested)
        status = cost.get("throttleStatus")
        if status:
            with self.bucket.lock:
                self.bucket.observe(status, time.monotonic())
        elif actual is not None:
            # No bucket status: the call cost what Shopify says it cost.
            self._last_cost[key] = float(actual)


@functools.lru_cache(maxsize=256)
def is_mutation(document: str) -> bool:
    """Whether the document holds a mutation (its outcome matters when no answer comes)."""
    return any(isinstance(d, OperationDefinitionNode) and d.operation == OperationType.MUTATION
               for d in parse(document).definitions)


def never_sent(exc: requests.RequestException) -> bool:
    """The request provably never reached Shopify: the connection could not be opened.
    (requests wraps urllib3's MaxRetryError, whose `reason` says why; a connection dropped
    after sending comes as a ProtocolError instead.)"""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    wrapped = exc.args[0] if exc.args else None
    return isinstance(getattr(wrapped, "reason", None), NewConnectionError)


def _as_list(errors) -> list:
    if not errors:
        return []
    if isinstance(errors, list):
        return errors
    return [{"message": str(errors)}]


def _code(error) -> str | None:
    return (error.get("extensions") or {}).get("code") if isinstance(error, dict) else None


def _float(value, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default
