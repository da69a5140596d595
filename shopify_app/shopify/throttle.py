"""Shopify's cost-based leaky bucket, tracked per shop from `extensions.cost`.

Each shop has its own bucket, so one shop's throttling never slows another's calls.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class Bucket:
    maximum: float = 1000.0
    available: float = 1000.0
    restore_rate: float = 50.0
    observed_at: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def estimate(self, now: float) -> float:
        return min(self.maximum, self.available + (now - self.observed_at) * self.restore_rate)

    def wait_needed(self, cost: float, now: float) -> float:
        """Seconds to wait before a call of this cost fits in the bucket."""
        cost = min(cost, self.maximum)
        missing = cost - self.estimate(now)
        return max(0.0, missing / self.restore_rate) if self.restore_rate > 0 else 0.0

    def spend(self, cost: float, now: float) -> None:
        self.available = self.estimate(now) - cost
        self.observed_at = now

    def observe(self, throttle_status: dict, now: float) -> None:
        self.maximum = float(throttle_status.get("maximumAvailable") or self.maximum)
        self.available = float(throttle_status.get("currentlyAvailable", self.available))
        self.restore_rate = float(throttle_status.get("restoreRate") or self.restore_rate)
        self.observed_at = now


class BucketRegistry:
    def __init__(self) -> None:
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def for_shop(self, shop: str) -> Bucket:
        with self._lock:
            bucket = self._buckets.get(shop)
            if bucket is None:
                bucket = self._buckets[shop] = Bucket()
            return bucket

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()


buckets = BucketRegistry()
