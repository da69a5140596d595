"""Errors to Sentry, when SENTRY_DSN is set; nothing initialised (and nothing sent) otherwise.

Nothing secret or personal leaves with an event: no default PII (addresses, cookies, users),
no request bodies, no local variables of the frames, and every string of the event
(messages, exception values, breadcrumbs, URLs) goes through the log redaction and loses
its email addresses. Errors logged at ERROR (a failed run, a failed delivery, an unhandled
error in a view) become events through Sentry's logging integration, in every process.
"""
from __future__ import annotations

import re

from .log_redaction import REDACTED, redact

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def scrub(value):
    """`value` (an event, or any part of one) with secrets and email addresses redacted."""
    if isinstance(value, str):
        return EMAIL.sub(REDACTED, redact(value))
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(item) for item in value]
    return value


def before_send(event, _hint):
    return scrub(event)


def before_breadcrumb(crumb, _hint):
    return scrub(crumb)


def init_error_reporting(dsn: str | None, environment: str) -> bool:
    """Initialise Sentry for this process when a DSN is given; return whether it was."""
    if not dsn:
        return False
    # Optional dependency, imported only when configured (SENTRY_DSN): ~50 ms that only
    # processes that report pay for.
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[FlaskIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=before_send,
        before_breadcrumb=before_breadcrumb,
    )
    return True
