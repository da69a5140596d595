"""A suite-wide guard: no thread calls Shopify while it holds an open database write.

On SQLite a write transaction holds the database's single write lock; on
PostgreSQL it holds row locks. Kept open across a Shopify call (network, throttle
waits), it stalls every other writer: the webhook receiver's acknowledgement,
the scheduler's leases, the OMS API. The one exception is the token refresh,
which holds its shop row lock across the token call on purpose (single-flight).
"""
from __future__ import annotations

import threading
import traceback

import requests
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

ALLOWED_PATH_SUFFIXES = ("/oauth/access_token",)
_writers: dict[int, int] = {}  # id(DBAPI connection) -> thread that wrote on it
_first_write: dict[int, str] = {}  # id(DBAPI connection) -> where its open transaction first wrote
violations: list[str] = []
_installed = False


def _our_frames() -> str:
    frames = [f for f in traceback.extract_stack()[:-2] if "/shopify_app/" in f.filename or "/tests/" in f.filename]
    return "".join(traceback.format_list(frames[-8:]))


def _dbapi_id(conn) -> int:
    return id(conn.connection.dbapi_connection)


def _on_execute(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
        key = _dbapi_id(conn)
        if key not in _writers:
            _writers[key] = threading.get_ident()
            _first_write[key] = statement.strip()[:100] + "\n" + _our_frames()


def _forget(key: int) -> None:
    _writers.pop(key, None)
    _first_write.pop(key, None)


def _on_end(conn):
    _forget(_dbapi_id(conn))


def _on_reset(dbapi_connection, record, reset_state):
    _forget(id(dbapi_connection))


def _on_close(dbapi_connection, record):
    _forget(id(dbapi_connection))


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    event.listen(Engine, "before_cursor_execute", _on_execute)
    event.listen(Engine, "commit", _on_end)
    event.listen(Engine, "rollback", _on_end)
    event.listen(Pool, "reset", _on_reset)
    event.listen(Pool, "close", _on_close)
    original_send = requests.Session.send

    def send(self, request, **kwargs):
        me = threading.get_ident()
        path = (request.path_url or "").split("?", 1)[0]
        held = [key for key, thread in list(_writers.items()) if thread == me]
        if held and not path.endswith(ALLOWED_PATH_SUFFIXES):
            violations.append(f"{request.method} {request.url} inside a write transaction, called from:\n"
                              + _our_frames()
                              + "\nthe transaction first wrote: " + _first_write.get(held[0], "?"))
        return original_send(self, request, **kwargs)

    requests.Session.send = send
