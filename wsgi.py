"""The WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi <command>`."""
import sys

from shopify_app import ConfigError, create_app

try:
    app = create_app()
except ConfigError as exc:
    sys.stderr.write(f"Configuration error: {exc}\n")
    raise SystemExit(2)
