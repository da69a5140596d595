"""Secrets never reach a log: session tokens, OAuth codes, signatures, states, access tokens.

They travel in query strings (`/?id_token=...&hmac=...`, `/auth/callback?code=...&state=...`),
and so in every access log line and in the Referer of the requests a page makes. One
function redacts them from a line; a logging filter applies it to the app's and werkzeug's
records, and a gunicorn logger class to gunicorn's access and error logs (named in
gunicorn.conf.py, which `gunicorn` reads from the working directory).
"""
from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger as GunicornLogger

REDACTED = "[redacted]"

# Query parameters whose values are secrets (or single-use proofs that a log must not replay).
SECRET_PARAMETERS = (
    "id_token", "session", "code", "hmac", "signature", "state",
    "token", "access_token", "refresh_token", "subject_token", "client_secret",
)
# In JSON only the token-like names: a GraphQL user error's "code" is worth keeping.
SECRET_JSON_FIELDS = ("id_token", "session", "token", "access_token", "refresh_token", "subject_token", "client_secret")
_NAMES = "|".join(sorted(SECRET_PARAMETERS, key=len, reverse=True))
_JSON_NAMES = "|".join(sorted(SECRET_JSON_FIELDS, key=len, reverse=True))
_PATTERNS = (
    # name=value in a query string or form body (also after a ';' or at the start of a body).
    re.compile(rf"(?i)((?:^|[?&;\s\"'])(?:{_NAMES})=)[^&\s\"'#;]*"),
    # The same percent-encoded inside another URL (a return_to=..., a Referer of a Referer).
    re.compile(rf"(?i)((?:%3F|%26)(?:{_NAMES})(?:%3D))(?:(?!%26)[^&\s\"'#])*"),
    # "access_token": "..." in a JSON text (an error message carrying a token answer).
    re.compile(rf"(?i)(\"(?:{_JSON_NAMES})\"\s*:\s*\")[^\"]*"),
    re.compile(r"(?i)(\bBearer\s+)[A-Za-z0-9._~+/=-]+"),
)


def redact(text: str) -> str:
    """`text` with the value of every secret parameter replaced by [redacted]."""
    for pattern in _PATTERNS:
        text = pattern.sub(rf"\g<1>{REDACTED}", text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and its traceback text) with secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the formatter's to report, not ours
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_FILTER = RedactingFilter()
LOGGERS_WITH_OWN_HANDLERS = ("werkzeug", "gunicorn.error", "gunicorn.access")


def install_log_redaction() -> None:
    """Redact on every handler of the root logger and of the loggers that have their own."""
    for name in ("", *LOGGERS_WITH_OWN_HANDLERS):
        for handler in logging.getLogger(name or None).handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn's logger with secrets redacted from the access log's atoms and the error log."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if _FILTER not in handler.filters:
                    handler.addFilter(_FILTER)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
