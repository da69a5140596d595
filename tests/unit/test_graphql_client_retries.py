"""What the GraphQL client sends again, against a real HTTP server on 127.0.0.1 that drops
connections or answers as told: a query is retried after a lost answer; a mutation is not
(its outcome is unknown: OutcomeUnknown), unless Shopify said it ran nothing (THROTTLED,
429) or it provably never left (no connection)."""
from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shopify_app.shopify.graphql_client import GraphQLClient, OutcomeUnknown, ShopifyUnavailable, is_mutation
from shopify_app.shopify.throttle import Bucket
from tests.conftest import API_VERSION

QUERY = "query { shop { name } }"
MUTATION = 'mutation { webhookSubscriptionDelete(id: "gid://shopify/WebhookSubscription/1") { userErrors { message } } }'
THROTTLED = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
             "extensions": {"cost": {"requestedQueryCost": 10, "actualQueryCost": None,
                                     "throttleStatus": {"maximumAvailable": 1000, "currentlyAvailable": 0,
                                                        "restoreRate": 1000}}}}
ANSWER = {"data": {"shop": {"name": "Demo"}, "webhookSubscriptionDelete": {"userErrors": []}}}


class Script:
    """Each request takes the next step: "drop" (close without answering), an int (that
    status, no JSON), a dict (that JSON, 200); past the script, a normal answer."""

    def __init__(self, *steps):
        self.steps = list(steps)
        self.received = 0
        self.lock = threading.Lock()

    def next(self):
        with self.lock:
            self.received += 1
            return self.steps.pop(0) if self.steps else ANSWER


@pytest.fixture
def server():
    scripts: list[Script] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            step = scripts[0].next()
            if step == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            body = b"<html>Bad gateway</html>" if isinstance(step, int) else json.dumps(step).encode()
            self.send_response(step if isinstance(step, int) else 200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def client(script: Script, port: int | None = None) -> GraphQLClient:
        scripts[:] = [script]
        origin = f"http://127.0.0.1:{port or httpd.server_address[1]}/{{shop}}"
        return GraphQLClient("demo.myshopify.com", lambda _rejected: "shpat_x", "read_write", shop_origin=origin,
                             api_version=API_VERSION, bucket=Bucket(), sleep=lambda _s: None, timeout=5,
                             max_attempts=3)

    yield client
    httpd.shutdown()
    httpd.server_close()


def test_a_query_is_retried_after_a_dropped_connection(server):
    script = Script("drop", "drop")
    assert server(script).execute_document(QUERY).data["shop"]["name"] == "Demo"
    assert script.received == 3


def test_a_mutation_is_never_resent_after_a_dropped_connection(server):
    script = Script("drop")
    with pytest.raises(OutcomeUnknown):
        server(script).execute_document(MUTATION)
    assert script.received == 1


@pytest.mark.parametrize("answer", [502, 503, 200], ids=["502", "503", "200 not JSON"])
def test_a_mutation_answered_5xx_or_not_json_is_not_resent(server, answer):
    script = Script(answer)
    with pytest.raises(OutcomeUnknown):
        server(script).execute_document(MUTATION)
    assert script.received == 1


def test_a_query_answered_5xx_is_retried(server):
    script = Script(503, 502)
    assert server(script).execute_document(QUERY).data["shop"]["name"] == "Demo"
    assert script.received == 3


def test_a_throttled_mutation_ran_nothing_and_is_sent_again(server):
    script = Script(THROTTLED)
    data = server(script).execute_document(MUTATION).data
    assert data["webhookSubscriptionDelete"] == {"userErrors": []}
    assert script.received == 2


def test_a_mutation_that_never_connected_is_tried_again_and_reported_unavailable(server):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ShopifyUnavailable) as caught:
        server(Script(), port=port).execute_document(MUTATION)
    assert not isinstance(caught.value, OutcomeUnknown)


def test_mutations_are_told_from_queries():
    assert is_mutation(MUTATION) and not is_mutation(QUERY)
    assert is_mutation("query Q { shop { name } }\nmutation M { a }")
