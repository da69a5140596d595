"""The WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi <command>`; `celery`
is the Celery app when CELERY_BROKER_URL is set (`celery -A wsgi:celery worker --pool threads`).

The database is brought to the migrations' head at start-up unless AUTO_MIGRATE=0
(then run `flask --app wsgi db upgrade` yourself). `flask db ...` commands manage
migrations themselves and are left alone.

The clock (`flask --app wsgi scheduler`) and the workers (`flask --app wsgi worker`,
`celery -A wsgi:celery worker`) serve nothing: their app has no blueprint and nothing
of shopify_app.web is imported (create_app(surfaces=False)).
"""
import os
import sys

from shopify_app import ConfigError, create_app
from shopify_app.db_setup import upgrade_if_needed
from shopify_app.extensions import task_queue

FLASK_OPTIONS_WITH_VALUES = {"--app", "-A", "--env-file", "-e"}
# The `flask` sub-commands whose process serves no request.
BACKGROUND_COMMANDS = {"scheduler", "worker"}


def flask_command(argv: list[str]) -> str | None:
    """The `flask` sub-command being run (`db`, `scheduler`...), or None under gunicorn."""
    if not argv or os.path.basename(argv[0]) not in ("flask", "__main__.py", "-m"):
        return None
    args = list(argv[1:])
    while args and args[0].startswith("-"):
        option = args.pop(0)
        if option in FLASK_OPTIONS_WITH_VALUES and args:
            args.pop(0)
    return args[0] if args else None


def serves_requests(argv: list[str]) -> bool:
    """False for the clock and the workers: gunicorn, `flask run` and the other commands get the whole app."""
    if argv and os.path.basename(argv[0]) == "celery":
        return False
    return flask_command(argv) not in BACKGROUND_COMMANDS


try:
    app = create_app(surfaces=serves_requests(sys.argv))
except ConfigError as exc:
    sys.stderr.write(f"Configuration error: {exc}\n")
    raise SystemExit(2)

if os.environ.get("AUTO_MIGRATE", "1") != "0" and flask_command(sys.argv) != "db":
    upgrade_if_needed(app)

celery = task_queue.for_app(app).celery
