"""/metrics, scraped as Prometheus scrapes it, after runs, webhooks and GraphQL calls: the
series are there, their labels bounded; METRICS_TOKEN guards it; several processes add up."""
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from shopify_app import create_app, metrics
from shopify_app.extensions import db
from shopify_app.models import SyncRun, WebhookDelivery
from shopify_app.sync import runner
from shopify_app.web.observability import webhook_outcome

from tests.conftest import SHOP, base_env, create_shop
from tests.unit.test_graphql_client_retries import QUERY, THROTTLED, Script, server  # noqa: F401 (fixture)
from tests.unit.test_webhooks import deliver, sample

ROOT = Path(__file__).resolve().parents[2]


def scrape(client, **headers) -> dict:
    """{(sample name, frozenset of labels): value}"""
    resp = client.get("/metrics", headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.content_type.startswith("text/plain")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(resp.get_data(as_text=True)) for s in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_a_run_is_counted_by_flow_and_outcome_and_timed(app, client, only_flows):
    only_flows("probe", lambda ctx: None)
    only_flows("broken", lambda ctx: 1 / 0)
    shop = create_shop()
    before = scrape(client)
    runner.run_flow(shop.id, "probe", "manual")
    runner.run_flow(shop.id, "broken", "manual")
    after = scrape(client)
    for flow, outcome in (("probe", "succeeded"), ("broken", "failed")):
        runs = dict(flow=flow, outcome=outcome)
        assert value(after, "oms_connector_sync_runs_total", **runs) == value(before, "oms_connector_sync_runs_total", **runs) + 1
        assert value(after, "oms_connector_sync_run_duration_seconds_count", **runs) >= 1
        assert value(after, "oms_connector_sync_run_duration_seconds_bucket", le="+Inf", **runs) >= 1


def test_a_skipped_run_is_counted_and_not_timed(app, client, only_flows):
    only_flows("probe", lambda ctx: None)
    shop = create_shop(status="inactive")
    before = scrape(client)
    runner.run_flow(shop.id, "probe", "manual")
    after = scrape(client)
    labels = dict(flow="probe", outcome="skipped")
    assert value(after, "oms_connector_sync_runs_total", **labels) == value(before, "oms_connector_sync_runs_total", **labels) + 1
    assert value(after, "oms_connector_sync_run_duration_seconds_count", **labels) == 0


def test_webhooks_are_counted_by_topic_and_answer_with_their_lag(app, client, shop):
    before = scrape(client)
    triggered = (datetime.now(timezone.utc) - timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert deliver(client, "products/update", sample("products/update"), triggered_at=triggered).status_code == 200
    deliver(client, "products/update", {"not": "a product"})  # rejected: not its topic's shape
    deliver(client, "products/update", sample("products/update"), secret="wrong")  # 401
    deliver(client, "made/up-topic", {"id": 1})  # an unknown topic: counted as `other`
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("oms_connector_webhooks_received_total", topic="products/update", outcome="accepted") == 2  # judged by the task
    assert grew("oms_connector_webhooks_received_total", topic="products/update", outcome="unauthorized") == 1
    assert grew("oms_connector_webhooks_received_total", topic="other", outcome="accepted") == 1
    assert not any(("made/up-topic" in str(labels)) for _name, labels in after)
    # Lag: the processed delivery was triggered 3 s before it came.
    assert grew("oms_connector_webhook_lag_seconds_count", topic="products/update") == 2
    assert grew("oms_connector_webhook_lag_seconds_bucket", topic="products/update", le="2.0") == 1  # the rejected one, sent now
    assert grew("oms_connector_webhook_lag_seconds_bucket", topic="products/update", le="5.0") == 2
    assert grew("oms_connector_webhook_lag_seconds_sum", topic="products/update") >= 3
    # Applied from the ledger: by topic and outcome.
    assert grew("oms_connector_webhooks_processed_total", topic="products/update", outcome="processed") == 1
    assert grew("oms_connector_webhooks_processed_total", topic="products/update", outcome="rejected") == 1


def test_queue_depth_counts_queued_runs_and_pending_deliveries_when_scraped(app, client, shop):
    db.session.add(SyncRun(shop_id=shop.id, flow="orders", trigger="manual", status="queued", counts={}, progress={}))
    for n, status in enumerate(("received", "failed", "retrying", "processed")):
        db.session.add(WebhookDelivery(webhook_id=f"w{n}", topic="orders/updated", shop_domain=SHOP,
                                       payload={"id": n}, status=status))
    db.session.commit()
    samples = scrape(client)
    assert value(samples, "oms_connector_queue_depth", queue="sync_runs") == 1
    assert value(samples, "oms_connector_queue_depth", queue="webhook_deliveries") == 3


def test_the_queue_depth_source_can_be_swapped(app, client):
    metrics.set_queue_depth_source(lambda: {"celery": 42})
    try:
        samples = scrape(client)
    finally:
        from shopify_app.sync.queue_depth import database_queue_depth

        metrics.set_queue_depth_source(database_queue_depth)
    assert value(samples, "oms_connector_queue_depth", queue="celery") == 42
    assert value(samples, "oms_connector_queue_depth", queue="sync_runs") == 0


def test_graphql_cost_spent_and_throttled_are_counted_per_shop(app, client, server, monkeypatch):  # noqa: F811
    # A fresh cap: earlier tests in this process may have used up the shops that keep a label.
    monkeypatch.setattr(metrics, "shop_label", metrics.ShopLabels())
    answer = {"data": {"shop": {"name": "Demo"}},
              "extensions": {"cost": {"requestedQueryCost": 12, "actualQueryCost": 7,
                                      "throttleStatus": {"maximumAvailable": 2000, "currentlyAvailable": 1990,
                                                         "restoreRate": 100}}}}
    before = scrape(client)
    server(Script(THROTTLED, answer)).execute_document(QUERY)
    after = scrape(client)
    shop = "demo.myshopify.com"
    assert value(after, "oms_connector_graphql_cost_points_total", shop=shop) - \
        value(before, "oms_connector_graphql_cost_points_total", shop=shop) == 7
    assert value(after, "oms_connector_graphql_throttled_total", shop=shop) - \
        value(before, "oms_connector_graphql_throttled_total", shop=shop) == 1


def test_shop_labels_are_capped():
    labels = metrics.ShopLabels(limit=2)
    assert [labels(s) for s in ("a", "b", "c", "a")] == ["a", "b", "other", "a"]
    assert metrics.bounded("orders/create", {"orders/create"}) == "orders/create"
    assert metrics.bounded("x" * 100, {"orders/create"}) == "other"


@pytest.mark.parametrize("status,body,outcome", [
    (200, {"status": "ok"}, "processed"), (200, {"status": "accepted"}, "accepted"),
    (200, {"status": "duplicate"}, "duplicate"), (200, {"status": "rejected"}, "rejected"),
    (401, {"error": "x"}, "unauthorized"), (400, {"error": "x"}, "bad_request"), (413, None, "bad_request"),
    (500, {"error": "x"}, "error"),
])
def test_the_receivers_answer_is_its_outcome(status, body, outcome):
    assert webhook_outcome(status, body) == outcome


def test_lag_reads_shopifys_trigger_time():
    now = datetime(2026, 1, 1, 12, 0, 10, tzinfo=timezone.utc)
    assert metrics.lag_since("2026-01-01T12:00:00.000Z", now) == 10
    assert metrics.lag_since("2026-01-01T12:00:00+00:00", now) == 10
    assert metrics.lag_since("yesterday", now) is None and metrics.lag_since(None, now) is None


def test_metrics_need_the_token_when_one_is_set(database_url):
    app = create_app(base_env(DATABASE_URL=database_url, METRICS_TOKEN="m3trics"), TESTING=True)
    client = app.test_client()
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert scrape(client, Authorization="Bearer m3trics")


def test_metrics_are_off_in_production_without_a_token(database_url):
    env = base_env(DATABASE_URL=database_url, APP_ENV="production")
    assert create_app(env, TESTING=True).test_client().get("/metrics").status_code == 404
    env["METRICS_TOKEN"] = "m3trics"
    client = create_app(env, TESTING=True).test_client()
    assert scrape(client, Authorization="Bearer m3trics")


def test_several_processes_add_up_with_prometheus_multiproc_dir(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = "from shopify_app import metrics; metrics.observe_run('orders', 'failed', None, None)"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], cwd=ROOT, env=env, check=True, timeout=60)
    render = ("from shopify_app import metrics; import sys; sys.stdout.write(metrics.render()[0].decode())")
    text = subprocess.run([sys.executable, "-c", render], cwd=ROOT, env=env, check=True, timeout=60,
                          capture_output=True, text=True).stdout
    samples = {(s.name, frozenset(s.labels.items())): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    assert value(samples, "oms_connector_sync_runs_total", flow="orders", outcome="failed") == 2


def test_the_scheduler_serves_its_own_runs_on_metrics_port(tmp_path):
    """Runs happen in the scheduler (or a worker), not in the web: METRICS_PORT shows them."""
    import time

    import requests

    from tests.conftest import free_port, upgrade_database

    url = f"sqlite:///{tmp_path}/w.db"
    upgrade_database(url)
    app = create_app(base_env(DATABASE_URL=url))
    with app.app_context():
        shop = create_shop(status="inactive")
        db.session.add(SyncRun(shop_id=shop.id, flow="orders", trigger="manual", status="queued", counts={}, progress={}))
        db.session.commit()
        db.engine.dispose()
    port = free_port()
    env = {**os.environ, **base_env(DATABASE_URL=url, METRICS_PORT=str(port), METRICS_TOKEN="w0rker", AUTO_MIGRATE="0")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "--tick", "0.5"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        samples = {}
        while time.time() < deadline:
            try:
                resp = requests.get(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": "Bearer w0rker"}, timeout=5)
                samples = {(s.name, frozenset(s.labels.items())): s.value
                           for family in text_string_to_metric_families(resp.text) for s in family.samples}
                if value(samples, "oms_connector_sync_runs_total", flow="orders", outcome="skipped"):
                    break
            except requests.RequestException:
                assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
            time.sleep(0.3)
        assert value(samples, "oms_connector_sync_runs_total", flow="orders", outcome="skipped") == 1
        assert requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).status_code == 401
    finally:
        proc.terminate()
        proc.wait(20)


def test_a_workers_metrics_are_not_served_in_production_without_a_token():
    from shopify_app.config import ConfigError, load_settings
    from tests.conftest import free_port

    assert metrics.serve_work_metrics(free_port(), None, production=True) is None
    assert metrics.serve_work_metrics(None, "t", production=False) is None
    with pytest.raises(ConfigError, match="METRICS_PORT"):
        load_settings(base_env(METRICS_PORT="metrics"))


def test_gunicorn_workers_add_up_with_prometheus_multiproc_dir(tmp_path):
    """Whichever worker answers the scrape, it counts what every worker saw."""
    import time

    import requests

    from tests.conftest import free_port

    port = free_port()
    (tmp_path / "prom").mkdir()
    env = {**os.environ, **base_env(DATABASE_URL=f"sqlite:///{tmp_path}/m.db"),
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom")}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}",
                             "--workers", "3"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=5)
                break
            except requests.RequestException:
                assert time.time() < deadline
                time.sleep(0.2)
        def send(n):
            return requests.post(f"{base}/webhooks", data=b"{}", timeout=10, headers={
                "X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": "a.myshopify.com",
                "X-Shopify-Webhook-Id": f"wh-{n}", "X-Shopify-Hmac-Sha256": "bm90IGl0"}).status_code

        from concurrent.futures import ThreadPoolExecutor

        def workers_counted() -> int:  # each worker writes its own file there
            return len({p.name.rsplit("_", 1)[-1] for p in (tmp_path / "prom").glob("counter_*.db")})

        sent = 0
        with ThreadPoolExecutor(6) as pool:  # at once: sync workers each take some, once all have started
            while workers_counted() < 2:
                assert time.time() < deadline + 60, "one worker took every request"
                assert set(pool.map(send, range(sent, sent + 12))) == {401}
                sent += 12
        for _ in range(3):
            text = requests.get(f"{base}/metrics", timeout=5).text
            samples = {(s.name, frozenset(s.labels.items())): s.value
                       for family in text_string_to_metric_families(text) for s in family.samples}
            assert value(samples, "oms_connector_webhooks_received_total",
                         topic="orders/create", outcome="unauthorized") == sent
            assert value(samples, "oms_connector_queue_depth", queue="sync_runs") == 0
    finally:
        proc.terminate()
        proc.wait(20)


def test_metrics_still_answer_when_the_queue_depth_cannot_be_measured(app, client):
    def broken():
        raise RuntimeError("database down")

    metrics.set_queue_depth_source(broken)
    try:
        samples = scrape(client)
    finally:
        from shopify_app.sync.queue_depth import database_queue_depth

        metrics.set_queue_depth_source(database_queue_depth)
    assert not [name for name, _labels in samples if name == "oms_connector_queue_depth"]
