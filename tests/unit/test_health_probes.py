"""/healthz answers while the process lives; /readyz says whether the database and the broker
answer, naming what does not (503)."""
import socket

import pytest

from shopify_app import create_app
from shopify_app.extensions import db

from tests.conftest import base_env, free_port

RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"


def closed_port() -> int:
    return free_port()  # bound and released: nothing listens there


def broker_up(host="127.0.0.1", port=5672) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


@pytest.fixture
def make_client(database_url):
    apps = []

    def make(**env):
        app = create_app(base_env(DATABASE_URL=database_url, **env), TESTING=True)
        apps.append(app)
        return app.test_client()

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def test_healthz_answers_without_touching_the_database():
    # A database nobody listens on: being alive does not depend on it.
    app = create_app(base_env(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{closed_port()}/none"), TESTING=True)
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}


def test_readyz_is_ok_when_the_database_answers(make_client):
    resp = make_client().get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "checks": {"database": "ok"}}


def test_readyz_is_503_naming_the_database_when_it_is_unreachable():
    app = create_app(base_env(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{closed_port()}/none"), TESTING=True)
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "unavailable", "checks": {"database": "unreachable"}, "failed": ["database"]}


def test_readyz_is_503_within_seconds_when_the_database_takes_the_connection_and_never_answers():
    import threading
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections are taken (the kernel's backlog) and never answered
    taken = []
    threading.Thread(target=lambda: taken.append(silent.accept()), daemon=True).start()
    try:
        app = create_app(base_env(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{silent.getsockname()[1]}/none"),
                         TESTING=True)
        started = time.monotonic()
        resp = app.test_client().get("/readyz")
        assert time.monotonic() - started < 8
        assert resp.status_code == 503 and resp.get_json()["failed"] == ["database"]
        assert taken  # it did reach the silent server
    finally:
        silent.close()


def test_readyz_is_503_naming_the_broker_when_it_is_down(make_client):
    resp = make_client(CELERY_BROKER_URL=f"amqp://guest:guest@127.0.0.1:{closed_port()}//").get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["failed"] == ["broker"] and body["checks"] == {"database": "ok", "broker": "unreachable"}


@pytest.mark.skipif(not broker_up(), reason="RabbitMQ is not running on 127.0.0.1:5672")
def test_readyz_is_ok_with_a_broker_that_answers(make_client):
    resp = make_client(CELERY_BROKER_URL=RABBITMQ).get("/readyz")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_never_tells_the_brokers_address_or_password(make_client):
    url = f"amqp://guest:s3cret-pass@127.0.0.1:{closed_port()}//"
    text = make_client(CELERY_BROKER_URL=url).get("/readyz").get_data(as_text=True)
    assert "s3cret-pass" not in text and "127.0.0.1" not in text
