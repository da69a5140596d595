"""Log lines as JSON objects (LOG_FORMAT=json) carrying what they are about: the shop, flow
and run of a sync run, the shop and webhook id of a delivery; never a token."""
import io
import json
import logging
from contextlib import contextmanager

import pytest
from gunicorn.config import Config

from shopify_app import create_app
from shopify_app.config import ConfigError, load_settings
from shopify_app.extensions import db
from shopify_app.log_setup import StructuredGunicornLogger
from shopify_app.models import WebhookDelivery
from shopify_app.sync import registry, runner
from shopify_app.sync.webhooks import apply as delivery_processing

from tests.conftest import SHOP, base_env, create_shop, in_app_context
from tests.unit.test_webhooks import deliver

log = logging.getLogger("shopify_app.sync.test_flow")
TOKEN = "shpat_0123456789abcdef"


@contextmanager
def app_log():
    """What the app's own root handler writes, meanwhile."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "oms_connector", False))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def json_app(database_url):
    yield from in_app_context(create_app(base_env(DATABASE_URL=database_url, LOG_FORMAT="json"),
                                         TESTING=True, TASKS_EAGER=True))


def test_a_runs_log_lines_carry_its_shop_flow_and_run_id_and_no_token(json_app, only_flows):
    def flow(ctx):
        log.info("calling Shopify with access_token=%s", TOKEN)
        raise RuntimeError(f"answer was {{\"access_token\": \"{TOKEN}\"}}")

    only_flows("probe", flow)
    shop = create_shop()
    with app_log() as out:
        run = runner.run_flow(shop.id, "probe", "manual")
        log.info("after the run")
    assert run.status == "failed"
    lines = json_lines(out.getvalue())
    assert TOKEN not in out.getvalue()
    in_run = [line for line in lines if line["message"] != "after the run"]
    assert in_run, lines
    for line in in_run:
        assert (line["shop"], line["flow"], line["run_id"]) == (SHOP, "probe", run.id)
        assert {"time", "level", "logger"} <= set(line)
    failure = next(line for line in in_run if line["level"] == "ERROR")
    assert "RuntimeError" in failure["exc_info"] and "[redacted]" in failure["exc_info"]
    # The run's context ends with it.
    after = next(line for line in lines if line["message"] == "after the run")
    assert "shop" not in after and "run_id" not in after


def test_a_queued_runs_lines_carry_its_id(json_app, only_flows):
    from shopify_app.models import SyncRun

    only_flows("probe", lambda ctx: log.info("working"))
    shop = create_shop()
    queued = SyncRun(shop_id=shop.id, flow="probe", trigger="schedule", status="running", counts={}, progress={})
    db.session.add(queued)
    db.session.commit()
    with app_log() as out:
        run = runner.run_flow(shop.id, "probe", run=queued)
    working = next(line for line in json_lines(out.getvalue()) if line["message"] == "working")
    assert working["run_id"] == run.id and working["flow"] == "probe"


def test_a_delivery_at_the_door_and_in_processing_carries_its_shop_and_webhook_id(json_app, monkeypatch):
    create_shop()
    client = json_app.test_client()
    with app_log() as out:
        # A body that does not fit its topic: acknowledged at the door, rejected by its task, logged.
        deliver(client, "products/update", {"nothing": "of a product"}, webhook_id="wh-rejected-1")
    rejected = next(line for line in json_lines(out.getvalue()) if "rejected" in line["message"])
    assert rejected["shop"] == SHOP and rejected["delivery_id"] == "wh-rejected-1"
    assert rejected["topic"] == "products/update"

    def handler(shop_domain, payload):
        log.warning("applying with token=%s", TOKEN)

    monkeypatch.setitem(registry.TOPICS, "products/update", registry.Topic(handler))
    delivery = WebhookDelivery(webhook_id="wh-applied-2", topic="products/update", shop_domain=SHOP,
                               payload={"id": 1}, status="received")
    db.session.add(delivery)
    db.session.commit()
    with app_log() as out:
        delivery_processing.process(delivery)
    applying = next(line for line in json_lines(out.getvalue()) if "applying" in line["message"])
    assert applying["delivery_id"] == "wh-applied-2" and applying["shop"] == SHOP
    assert TOKEN not in out.getvalue()


def test_a_request_starts_with_no_context_left_from_the_last(json_app):
    client = json_app.test_client()
    deliver(client, "products/update", {"nothing": "here"}, webhook_id="wh-old")
    with app_log() as out:
        with json_app.test_request_context("/healthz"):
            json_app.preprocess_request()
            log.info("next request")
    line = next(line for line in json_lines(out.getvalue()) if line["message"] == "next request")
    assert "delivery_id" not in line


def test_text_lines_end_with_the_context(database_url, only_flows):
    app = create_app(base_env(DATABASE_URL=database_url, LOG_FORMAT="text"), TESTING=True)
    with app.app_context():
        only_flows("probe", lambda ctx: log.info("working"))
        shop = create_shop()
        with app_log() as out:
            run_id = runner.run_flow(shop.id, "probe", "manual").id
        db.session.remove()
        db.engine.dispose()
    line = next(line for line in out.getvalue().splitlines() if "working" in line)
    assert line.endswith(f"[shop={SHOP} flow=probe run_id={run_id}]")


def test_json_is_productions_default_and_text_developments():
    assert load_settings(base_env()).log_format == "text"
    assert load_settings(base_env(APP_ENV="production", SECRET_KEY="k", LOG_FORMAT="")).log_format == "json"
    assert load_settings(base_env(APP_ENV="production", LOG_FORMAT="text")).log_format == "text"
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        load_settings(base_env(LOG_FORMAT="xml"))


def test_gunicorns_access_log_is_json_and_redacted(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    config = Config()
    config.set("accesslog", "-")
    logger = StructuredGunicornLogger(config)
    stream = io.StringIO()
    for handler in logger.access_log.handlers:
        handler.setStream(stream)
    logger.access_log.info("GET /?id_token=eyJ.a.b&shop=s.myshopify.com 200")
    lines = json_lines(stream.getvalue())  # one a handler gunicorn set up (earlier tests' included)
    assert lines and all(line["logger"] == "gunicorn.access" and "[redacted]" in line["message"] for line in lines)
    assert "eyJ.a.b" not in stream.getvalue()
