"""A real HTTP proxy on 127.0.0.1 that loses answers: it forwards a request to the
upstream (devstore), waits for the whole answer (so Shopify has applied the call), and
then, instead of answering, drops the connection ("drop") or holds it open past the
client's read timeout before closing it ("hang"); or it drops the request before it
reaches the upstream ("unsent": the client cannot tell that from "drop"). Everything
else is relayed as is.

    proxy = LostAnswerProxy(devstore.url)
    proxy.lose("fulfillmentCreate")            # the next request whose body holds this
    app settings: shop_origin=proxy.shop_origin
"""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

# Not relayed: they describe one hop (and requests has already decoded the body).
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length",
               "proxy-connection", "te", "trailer", "upgrade", "host", "accept-encoding"}


@dataclass
class Rule:
    needle: str  # a request whose body contains this loses its answer
    times: int
    mode: str  # "drop" | "hang" | "unsent"
    hang_seconds: float


@dataclass
class Lost:
    needle: str
    path: str
    status: int | None  # what the upstream answered (and the client never saw); None: never forwarded


@dataclass
class _State:
    upstream: str
    rules: list[Rule] = field(default_factory=list)
    lost: list[Lost] = field(default_factory=list)
    forwarded: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_rule(self, body: bytes) -> Rule | None:
        with self.lock:
            self.forwarded.append(body)
            for rule in self.rules:
                if rule.times > 0 and rule.needle.encode() in body:
                    rule.times -= 1
                    return rule
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: _State  # set on the subclass made per proxy

    def log_message(self, *_args) -> None:  # quiet: the test reads the proxy's records
        pass

    def _relay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        rule = self.state.take_rule(body)
        if rule is not None and rule.mode == "unsent":
            with self.state.lock:
                self.state.lost.append(Lost(rule.needle, self.path, None))
            self._hang_up()
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        upstream = requests.request(self.command, self.state.upstream + self.path, data=body or None,
                                    headers=headers, timeout=60, allow_redirects=False)
        if rule is not None:
            with self.state.lock:
                self.state.lost.append(Lost(rule.needle, self.path, upstream.status_code))
            if rule.mode == "hang":
                time.sleep(rule.hang_seconds)
            self._hang_up()
            return
        self.send_response(upstream.status_code)
        for key, value in upstream.headers.items():
            if key.lower() not in HOP_HEADERS:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(upstream.content)))
        self.end_headers()
        self.wfile.write(upstream.content)

    def _hang_up(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _relay


class LostAnswerProxy:
    def __init__(self, upstream: str):
        self.state = _State(upstream.rstrip("/"))
        handler = type("LostAnswerHandler", (_Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="lost-answer-proxy", daemon=True)
        self._thread.start()

    @property
    def shop_origin(self) -> str:
        return f"{self.url}/{{shop}}"

    def lose(self, needle: str, times: int = 1, mode: str = "drop", hang_seconds: float = 3.0) -> None:
        """The next `times` requests whose body contains `needle` reach the upstream, and
        their answers never reach the client."""
        with self.state.lock:
            self.state.rules.append(Rule(needle, times, mode, hang_seconds))

    @property
    def lost(self) -> list[Lost]:
        with self.state.lock:
            return list(self.state.lost)

    def sent(self, needle: str) -> int:
        """How many requests whose body contains `needle` went through (lost or not)."""
        with self.state.lock:
            return sum(1 for body in self.state.forwarded if needle.encode() in body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
