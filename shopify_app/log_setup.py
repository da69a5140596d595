"""The app's log lines: one JSON object a line (LOG_FORMAT=json, production's default) or
text (development's default), secrets redacted either way, the log context attached.

`configure_logging` sets the root handler (the app's and werkzeug's records reach it);
`StructuredGunicornLogger` (named in gunicorn.conf.py) gives gunicorn's access and error
logs the same format.
"""
from __future__ import annotations

import logging
import os
import sys

from pythonjsonlogger.json import JsonFormatter

from .config import ConfigError, log_format_of
from .log_context import FIELDS, ContextFilter
from .log_redaction import RedactingGunicornLogger, install_log_redaction, redact

_CONTEXT = ContextFilter()
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingJsonFormatter(JsonFormatter):
    """python-json-logger's formatter; tracebacks and every string field redacted too (the
    redacting filter rewrites the message, but this formatter formats exc_info itself)."""

    def __init__(self):
        # `time`: ISO 8601 in UTC, e.g. 2026-12-01T11:24:26.512345+00:00.
        super().__init__("{levelname}{name}{message}", style="{", timestamp="time",
                         rename_fields={"levelname": "level", "name": "logger"})

    def formatException(self, ei):
        return redact(super().formatException(ei))

    def process_log_record(self, log_data):
        # `time` first, as a reader expects it.
        ordered = {"time": log_data.pop("time", None), **log_data}
        return {key: redact(value) if isinstance(value, str) else value for key, value in ordered.items()}


class ContextTextFormatter(logging.Formatter):
    """The text line, ending with the context's fields: `... [shop=a.myshopify.com flow=orders run_id=7]`."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        known = [f"{name}={getattr(record, name)}" for name in FIELDS if getattr(record, name, None) is not None]
        return f"{line} [{' '.join(known)}]" if known else line


def formatter_for(log_format: str) -> logging.Formatter:
    return RedactingJsonFormatter() if log_format == "json" else ContextTextFormatter(TEXT_FORMAT)


def _own_handler() -> logging.Handler:
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "oms_connector", False):
            return handler
    handler = logging.StreamHandler(sys.stderr)
    handler.oms_connector = True
    root.addHandler(handler)
    return handler


def format_handlers(handlers, log_format: str) -> None:
    for handler in handlers:
        handler.setFormatter(formatter_for(log_format))
        if _CONTEXT not in handler.filters:
            handler.addFilter(_CONTEXT)


def configure_logging(log_format: str) -> None:
    """Idempotent: create_app runs it each time (tests build many apps in one process)."""
    root = logging.getLogger()
    if root.level == logging.WARNING:  # the default: the app's INFO lines are wanted
        root.setLevel(logging.INFO)
    format_handlers([_own_handler()], log_format)
    format_handlers(logging.getLogger("werkzeug").handlers, log_format)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    install_log_redaction()


class StructuredGunicornLogger(RedactingGunicornLogger):
    """gunicorn's logger: redacted (RedactingGunicornLogger), in the app's LOG_FORMAT. gunicorn
    sets it up before the app is loaded, so it reads LOG_FORMAT (and APP_ENV) itself."""

    def setup(self, cfg):
        super().setup(cfg)
        try:
            log_format = log_format_of(os.environ)
        except ConfigError:
            log_format = "text"  # the app itself refuses to start and says why
        format_handlers([*self.error_log.handlers, *self.access_log.handlers], log_format)
