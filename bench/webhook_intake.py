"""Webhook intake at peak rates: the app's receiver under gunicorn, beside a bare Flask app
under the same gunicorn settings, in the same run.

10,000 signed `products/update` deliveries (one product each) at concurrency 50 against
each; the app records every delivery in its ledger and sends its task to the broker,
where Celery workers apply it. Prints the throughput ratio (target >= 0.6 of the bare
app's), the p99 ratio (target <= 2x), deliveries lost (target 0: every one in the
ledger and applied), applied twice (target 0: a redelivered 5% are answered as
duplicates, every ledger row applied once), and, for every delivery, the time from the
change being sent to its product being readable in the OMS API (a poller reading
`GET /oms/v1/products` as an OMS would): p99 under 2 s during the burst.

    .venv/bin/python bench/webhook_intake.py                      # PostgreSQL + RabbitMQ
    .venv/bin/python bench/webhook_intake.py --deliveries 2000    # a quick check

PostgreSQL at BENCH_PG_URL (default postgresql://postgres@127.0.0.1:5432/test): the
benchmark creates and drops its own database `bench_webhooks` there. The broker at
BENCH_BROKER_URL (default RabbitMQ on 127.0.0.1), on a queue of its own.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from copy import deepcopy
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-webhook-secret"
SHOP = "bench-shop.myshopify.com"
SAMPLE = json.loads((ROOT.parent / "shared" / "shopify" / "webhooks" / "products" / "update.json").read_text())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered on port {port}")


def make_database(server_url: str, name: str) -> str:
    admin = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


def drop_database(server_url: str, name: str) -> None:
    admin = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def app_env(database_url: str, broker: str, queue: str, port: int) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "SHOPIFY_API_KEY": "bench-key", "SHOPIFY_API_SECRET": SECRET,
            "SHOPIFY_APP_URL": f"http://127.0.0.1:{port}", "SCOPES": "read_products,read_orders",
            "SECRET_KEY": "bench", "CELERY_BROKER_URL": broker, "CELERY_QUEUE": queue, "AUTO_MIGRATE": "0"}


def prepare(env: dict) -> str:
    """Migrate, add the shop, make an OMS API key (returned)."""
    code = (
        "from wsgi import app\n"
        "from flask_migrate import upgrade\n"
        "from shopify_app.extensions import db\n"
        "from shopify_app.models import Shop\n"
        "from shopify_app import api_keys\n"
        "with app.app_context():\n"
        "    upgrade()\n"
        f"    db.session.add(Shop(domain={SHOP!r}, status='active', access_level='read', "
        "granted_scopes='read_products,read_orders', settings={}))\n"
        "    db.session.commit()\n"
        "    print(api_keys.create_api_key('bench')[1])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def gunicorn(target: str, port: int, env: dict, workers: int, threads: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gunicorn", target, "--bind", f"127.0.0.1:{port}",
                             "--workers", str(workers), "--threads", str(threads), "--log-level", "warning"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def delivery(n: int) -> tuple[bytes, dict, int]:
    product_id = 10_000_000 + n
    body = deepcopy(SAMPLE)
    body["id"] = product_id
    body["admin_graphql_api_id"] = f"gid://shopify/Product/{product_id}"
    body["title"] = f"Bench product {n}"
    body["handle"] = f"bench-{n}"
    body["updated_at"] = datetime.now(timezone.utc).isoformat()
    for i, variant in enumerate(body.get("variants") or []):
        variant["id"] = product_id * 10 + i
        variant["product_id"] = product_id
        variant["admin_graphql_api_id"] = f"gid://shopify/ProductVariant/{product_id * 10 + i}"
        variant["sku"] = f"BENCH-{n}-{i}"
    raw = json.dumps(body).encode()
    digest = base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()).decode()
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": "products/update",
               "X-Shopify-Hmac-Sha256": digest, "X-Shopify-Shop-Domain": SHOP,
               "X-Shopify-Webhook-Id": str(uuid.uuid5(uuid.NAMESPACE_OID, f"bench-{n}")),
               "X-Shopify-Event-Id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-{n}")),
               "X-Shopify-Triggered-At": body["updated_at"], "X-Shopify-API-Version": "2026-10"}
    return raw, headers, product_id


def burst(url: str, count: int, concurrency: int, resend_every: int = 0):
    """Send `count` deliveries (and a resend of every `resend_every`-th); returns
    (seconds, latencies, statuses, sent_at by product id)."""
    prepared = [delivery(n) for n in range(count)]
    order = list(range(count)) + ([n for n in range(0, count, resend_every)] if resend_every else [])
    local = threading.local()
    latencies, statuses, sent_at = [], {}, {}
    lock = threading.Lock()

    def send(n: int) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        raw, headers, product_id = prepared[n]
        started = time.monotonic()
        sent_at.setdefault(product_id, time.time())
        try:
            status = session.post(url, data=raw, headers=headers, timeout=30).status_code
        except requests.RequestException:
            status = 0
        took = time.monotonic() - started
        with lock:
            latencies.append(took)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(send, order))
    return time.monotonic() - started, latencies, statuses, sent_at


def _processes() -> list[tuple[int, int, str, float]]:
    """(pid, parent pid, command name, CPU seconds) of every process."""
    tick = os.sysconf("SC_CLK_TCK")
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        found.append((int(entry), int(fields[1]), name, (int(fields[11]) + int(fields[12])) / tick))
    return found


def cpu_by_group(groups: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds used so far by each group of processes (the given ones and their
    descendants), by PostgreSQL and by the broker, and by this process."""
    procs = _processes()
    children: dict[int, list[int]] = {}
    for pid, ppid, _, _ in procs:
        children.setdefault(ppid, []).append(pid)
    cpu = {pid: seconds for pid, _, _, seconds in procs}
    totals = {}
    for group, roots in groups.items():
        seen, stack = set(), list(roots)
        while stack:
            pid = stack.pop()
            if pid not in seen:
                seen.add(pid)
                stack.extend(children.get(pid, []))
        totals[group] = sum(cpu.get(pid, 0.0) for pid in seen)
    totals["postgres"] = sum(seconds for _, _, name, seconds in procs if name.startswith("postgres"))
    totals["broker"] = sum(seconds for _, _, name, seconds in procs if name in ("beam.smp", "redis-server"))
    usage = os.times()
    totals["load generator"] = usage.user + usage.system
    return totals


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 100 else max(values)


class OmsPoller(multiprocessing.Process):
    """Reads GET /oms/v1/products as an OMS would (changes since the last look) and notes
    when each product first appears. A process of its own, as the OMS is: in the load
    generator's process it would wait on the senders' threads, and measure them."""

    def __init__(self, base: str, key: str, interval: float, overlap: float):
        super().__init__(daemon=True)
        self.base, self.key = base, key
        self.interval, self.overlap = interval, overlap
        self.stop = multiprocessing.Event()
        self.count = multiprocessing.Value("i", 0)
        self.results = multiprocessing.Queue()
        self.seen: dict[int, float] = {}
        self.since = datetime.now(timezone.utc)

    def collect(self) -> dict[int, float]:
        """After `stop`: what the poller saw, and when."""
        self.seen = self.results.get(timeout=60)
        return self.seen

    def run(self) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.key}"
        self.cycles = []
        while not self.stop.is_set():
            cycle_started = time.monotonic()
            params = {"shop": SHOP, "updated_since": self.since.isoformat(), "limit": 500}
            newest = self.since
            while True:
                try:
                    resp = session.get(f"{self.base}/oms/v1/products", params=params, timeout=30)
                    body = resp.json()
                except (requests.RequestException, ValueError):
                    break
                now = time.time()
                for item in body.get("items") or body.get("products") or []:
                    pid = int(str(item.get("shopify_id") or item.get("id")).rsplit("/", 1)[-1])
                    if pid not in self.seen:
                        self.seen[pid] = now
                        self.count.value += 1
                    if item.get("updated_at"):  # compared as times: "…00Z" and "…00.5+00:00" sort wrong as text
                        newest = max(newest, datetime.fromisoformat(item["updated_at"].replace("Z", "+00:00")))
                if not body.get("next_cursor"):
                    break
                params = {"shop": SHOP, "cursor": body["next_cursor"], "limit": 500}
            # Overlap the last look: a product written (stamped) a moment before another
            # may be committed after it.
            self.since = newest - timedelta(seconds=self.overlap)
            self.cycles.append(time.monotonic() - cycle_started)
            self.stop.wait(self.interval)
        print(f"OMS poller: {len(self.cycles)} looks, p50 {statistics.median(self.cycles):.2f} s, "
              f"max {max(self.cycles):.2f} s each", flush=True)
        self.results.put(self.seen)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--celery-workers", type=int, default=2)
    parser.add_argument("--poll-interval", type=float, default=0.1, help="seconds between the OMS's looks")
    parser.add_argument("--poll-overlap", type=float, default=1.0, help="seconds each look reads again")
    parser.add_argument("--apply-after", action="store_true",
                        help="start the workers after the burst: the receiver's own cost, without the "
                             "workers on the same cores (the OMS lag then measures the backlog)")
    args = parser.parse_args()

    server = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    broker = os.environ.get("BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    database_url = make_database(server, "bench_webhooks")
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    app_port, bare_port = free_port(), free_port()
    env = app_env(database_url, broker, queue, app_port)
    key = prepare(env)
    procs = []
    try:
        procs.append(gunicorn("bench.bare_flask_app:app", bare_port, env, args.gunicorn_workers, args.threads))
        procs.append(gunicorn("wsgi:app", app_port, env, args.gunicorn_workers, args.threads))
        def start_workers():
            for _ in range(args.celery_workers):
                procs.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker",
                                               "--concurrency", "8", "--loglevel", "WARNING"],
                                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

        if not args.apply_after:
            start_workers()
        wait_port(bare_port)
        wait_port(app_port)
        time.sleep(3)  # the workers connect to the broker

        bare_cpu_before = cpu_by_group({"bare web": [procs[0].pid]})
        bare_s, bare_lat, bare_status, _ = burst(f"http://127.0.0.1:{bare_port}/webhooks", args.deliveries,
                                                 args.concurrency)
        bare_cpu = cpu_by_group({"bare web": [procs[0].pid]})["bare web"] - bare_cpu_before["bare web"]
        poller = OmsPoller(f"http://127.0.0.1:{app_port}", key, args.poll_interval, args.poll_overlap)
        poller.start()
        resend = 20
        groups = lambda: {"app web": [procs[1].pid], "workers": [p.pid for p in procs[2:]],  # noqa: E731
                          "OMS poller": [poller.pid]}
        cpu_before = cpu_by_group(groups())
        app_s, app_lat, app_status, sent_at = burst(f"http://127.0.0.1:{app_port}/webhooks", args.deliveries,
                                                    args.concurrency, resend_every=resend)
        cpu_after = cpu_by_group(groups())
        if args.apply_after:
            start_workers()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and poller.count.value < args.deliveries:
            time.sleep(0.5)
        poller.stop.set()
        poller.collect()
        poller.join(timeout=30)

        engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            ledger = dict(conn.execute(text("SELECT status, count(*) FROM webhook_deliveries GROUP BY status")).all())
            attempts_over_one = conn.execute(text("SELECT count(*) FROM webhook_deliveries WHERE attempts > 1")).scalar()
            products = conn.execute(text("SELECT count(*), count(DISTINCT shopify_id) FROM products")).one()
            applied_after = conn.execute(text(
                "SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM processed_at - received_at)) "
                "FROM webhook_deliveries WHERE processed_at IS NOT NULL")).scalar()
        engine.dispose()
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop_database(server, "bench_webhooks")

    sent = len(app_lat)
    bare_rate, app_rate = len(bare_lat) / bare_s, sent / app_s
    lags = [poller.seen[pid] - t for pid, t in sent_at.items() if pid in poller.seen]
    lost = args.deliveries - ledger.get("processed", 0)
    twice = attempts_over_one + (products[0] - products[1]) + max(0, sum(ledger.values()) - args.deliveries)
    print(f"deliveries {args.deliveries:,} (app: +{sent - args.deliveries} resent duplicates), concurrency "
          f"{args.concurrency}, gunicorn --workers {args.gunicorn_workers} --threads {args.threads}, "
          f"{args.celery_workers} Celery workers" + (" started after the burst" if args.apply_after else ""))
    print(f"{'':10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    print(f"{'bare':10} {bare_rate:9.0f} {statistics.median(bare_lat) * 1000:8.1f} {p99(bare_lat) * 1000:8.1f}  {bare_status}")
    print(f"{'app':10} {app_rate:9.0f} {statistics.median(app_lat) * 1000:8.1f} {p99(app_lat) * 1000:8.1f}  {app_status}")
    throughput_ratio, p99_ratio = app_rate / bare_rate, p99(app_lat) / p99(bare_lat)
    lag_p99 = p99(lags) if lags else float("inf")
    print(f"throughput ratio app/bare: {throughput_ratio:.2f} (target >= 0.6)")
    print(f"p99 ratio app/bare:        {p99_ratio:.2f} (target <= 2)")
    print(f"ledger: {ledger}; lost: {lost} (target 0); applied twice: {twice} (target 0)")
    if applied_after:
        print(f"received -> applied (the ledger's own times): p50 {applied_after[0]:.2f} s, p99 {applied_after[1]:.2f} s")
    print(f"Shopify change -> OMS API: {len(lags):,} seen, p50 {statistics.median(lags) if lags else 0:.2f} s, "
          f"p99 {lag_p99:.2f} s (target < 2 s)")
    spent = {group: cpu_after[group] - cpu_before[group] for group in cpu_after}
    print("CPU during the app's burst, ms per delivery: " + ", ".join(
        f"{group} {seconds * 1000 / sent:.2f}" for group, seconds in spent.items())
        + f" (wall {app_s * 1000 / sent:.2f} ms on {os.cpu_count()} cores); the bare app's web "
        f"{bare_cpu * 1000 / len(bare_lat):.2f}")
    ok = throughput_ratio >= 0.6 and p99_ratio <= 2 and lost == 0 and twice == 0 and lag_p99 < 2
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
