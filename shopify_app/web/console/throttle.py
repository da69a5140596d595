"""The console's sign-in throttle: failed attempts counted per account and per client address.

Only failures count (a wrong password, a wrong second-factor code, a wrong password on a
confirmation page): an operator who signs in often is never slowed down. Once either
count is reached, every attempt for that account or from that address is refused, the
right password included, until the window moves on. Counted by the `limits` library
that Flask-Limiter is built on, in RATELIMIT_STORAGE_URI (in-process memory by default,
Redis to share it across processes).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import Flask, current_app
from flask_limiter.util import get_remote_address
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

EXTENSION = "console_login_throttle"
DEFAULT_ACCOUNT_LIMIT = "5 per 15 minutes"
DEFAULT_ADDRESS_LIMIT = "20 per 15 minutes"
NAMESPACE = "console-sign-in"


def init_app(app: Flask) -> None:
    # The strategy and storage are used directly, so that only failures are counted (and
    # no hook runs on every request, as a Flask-Limiter instance's would). Moving window:
    # "in N minutes" is when the oldest failure leaves it.
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.extensions[EXTENSION] = MovingWindowRateLimiter(storage_from_string(app.config["RATELIMIT_STORAGE_URI"]))


@dataclass(frozen=True)
class Refusal:
    retry_after_seconds: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after_seconds / 60))

    @property
    def message(self) -> str:
        unit = "minute" if self.minutes == 1 else "minutes"
        return f"Too many sign-in attempts. Try again in {self.minutes} {unit}."


def _limits(account: str, address: str):
    config = current_app.config
    return ((parse(config.get("CONSOLE_LOGIN_ACCOUNT_LIMIT") or DEFAULT_ACCOUNT_LIMIT), ("account", account)),
            (parse(config.get("CONSOLE_LOGIN_ADDRESS_LIMIT") or DEFAULT_ADDRESS_LIMIT), ("address", address)))


def _strategy() -> MovingWindowRateLimiter:
    return current_app.extensions[EXTENSION]


def refusal(account: str, address: str | None = None) -> Refusal | None:
    """A Refusal when this account or address has used up its failed attempts."""
    strategy = _strategy()
    waits = []
    for item, key in _limits(account, address or get_remote_address()):
        if not strategy.test(item, NAMESPACE, *key):
            reset_time, _ = strategy.get_window_stats(item, NAMESPACE, *key)
            waits.append(max(1, int(reset_time - time.time())))
    return Refusal(max(waits)) if waits else None


def count_failure(account: str, address: str | None = None) -> None:
    strategy = _strategy()
    for item, key in _limits(account, address or get_remote_address()):
        strategy.hit(item, NAMESPACE, *key)


# A code is valid for its 30 s step and the ones either side: remembered for 2 minutes, it
# cannot be used twice (someone who watched it typed cannot sign in with it after).
CODE_REUSE_WINDOW = "1 per 2 minutes"


def first_use_of_code(account: str, code: str) -> bool:
    """True the first time this account's code is used within the window it could be valid."""
    digits = "".join(code.split())
    return _strategy().hit(parse(CODE_REUSE_WINDOW), "console-code-used", account, digits)
