"""Celery workers for the tests, against the real broker (RabbitMQ on this machine:
`.ci/run` starts it when it is not up). Each test gets a queue of its own, so that
tests (and other checkouts) sharing the broker never take each other's tasks.
A test that asks for `celery_env` is skipped when no broker answers.

A module whose workers serve the connected app imports `database_url` and
`connected_app_env` from here too: they replace the SQLite database and the empty
settings tests/connected_app.py gives it, since workers in other processes need a
database they can share and the broker the app sends its tasks to."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from .conftest import truncate_all

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672//"


def broker_url() -> str:
    return os.environ.get("TEST_CELERY_BROKER_URL") or DEFAULT_BROKER


def broker_answers(url: str) -> bool:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:  # noqa: BLE001 - unreachable, refused, bad credentials: no broker here
        return False


@pytest.fixture
def celery_env() -> dict:
    url = broker_url()
    if not broker_answers(url):
        pytest.skip(f"no broker answers at {url}")
    queue = f"test-{uuid.uuid4().hex[:10]}"
    yield {"CELERY_BROKER_URL": url, "CELERY_QUEUE": queue}
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.default_channel.queue_delete(queue)
    except Exception:  # noqa: BLE001 - best effort: an unused queue costs nothing
        pass


@pytest.fixture
def database_url(pg_database_url):
    """The connected app's database: PostgreSQL, emptied for each test (skipped without one)."""
    truncate_all(pg_database_url)
    return pg_database_url


@pytest.fixture
def connected_app_env(celery_env):
    return celery_env  # the receiver sends webhook tasks to the broker


def start_worker(env: dict, concurrency: int = 4, log_path: Path | None = None, host=None) -> subprocess.Popen:
    """A worker process here, or on `host` (a tests/worker_hosts.py WorkerHost)."""
    args = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", f"--concurrency={concurrency}"]
    if host is not None:
        return host.start(args, env=env, cwd=ROOT, log_path=log_path)
    out = open(log_path, "w") if log_path else subprocess.DEVNULL
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)


def wait_ready(log_path: Path, timeout: float = 60) -> None:
    """Until the worker logging to `log_path` says it is ready (its signal handlers are in
    place: a SIGTERM before that ends the process with -15, not a warm shutdown)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if " ready." in tail(log_path, 100_000):
            return
        time.sleep(0.1)
    raise AssertionError(f"worker not ready after {timeout}s:\n{tail(log_path)}")


def start_clock(env: dict, log_path: Path | None = None, tick: float = 0.5) -> subprocess.Popen:
    out = open(log_path, "w") if log_path else subprocess.DEVNULL
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "--tick", str(tick)],
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)


def stop(proc: subprocess.Popen, timeout: float = 60) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return -9


def tail(path: Path, n: int = 4000) -> str:
    try:
        return path.read_text()[-n:]
    except OSError:
        return ""
