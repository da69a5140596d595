"""The WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi <command>`.

The database is brought to the migrations' head at start-up unless AUTO_MIGRATE=0
(then run `flask --app wsgi db upgrade` yourself).
"""
import os
import sys

from shopify_app import ConfigError, create_app
from shopify_app.db_setup import upgrade_if_needed

try:
    app = create_app()
except ConfigError as exc:
    sys.stderr.write(f"Configuration error: {exc}\n")
    raise SystemExit(2)

if os.environ.get("AUTO_MIGRATE", "1") != "0" and "db" not in sys.argv[1:3]:
    upgrade_if_needed(app)
