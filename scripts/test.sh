#!/usr/bin/env bash
# Sets everything up and runs the whole test suite, laid out by kind:
#   tests/unit, tests/integration (real HTTP against devstore), tests/browser (headless
#   Chromium), tests/postgres (when a server answers on 127.0.0.1:5432 or TEST_DATABASE_URL
#   is set) and tests/devstore. Arguments go to pytest: `bash scripts/test.sh tests/unit`,
#   `bash scripts/test.sh -m "not browser"`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# Debian's Chromium for the browser tests (never `playwright install`).
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Chromium for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
    || echo "Could not install Chromium: browser tests will be skipped."
fi

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if .venv/bin/python - <<'PY' 2>/dev/null
import psycopg
psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", connect_timeout=3).close()
PY
  then
    export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/test"
  else
    echo "PostgreSQL is not reachable: PostgreSQL tests will be skipped."
  fi
fi

# The broker for the Celery worker tests (RabbitMQ; they are skipped when none answers).
if [ -z "${TEST_CELERY_BROKER_URL:-}" ] && ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  if command -v rabbitmq-server >/dev/null && [ "$(id -u)" = "0" ]; then
    echo "Starting RabbitMQ for the Celery worker tests..."
    rabbitmq-server -detached >/dev/null 2>&1 || true
    for _ in $(seq 60); do (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break; sleep 1; done
  fi
  (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null || echo "RabbitMQ is not reachable: Celery worker tests will be skipped."
fi

# Shopify CLI 4 (and the Node 22 it needs) from npm, for the test that has it validate
# shopify.app.toml and shopify.web.toml offline; skipped when npm cannot fetch them.
if [ -z "${SHOPIFY_CLI:-}" ] && command -v npm >/dev/null; then
  CLI_DIR=.cache/shopify-cli
  if [ ! -x "$CLI_DIR/node_modules/.bin/shopify" ]; then
    echo "Installing Shopify CLI 4 for the app-configuration test..."
    mkdir -p "$CLI_DIR"
    (cd "$CLI_DIR" && timeout 600 npm install --silent --no-audit --no-fund node@22 @shopify/cli@4 >/dev/null 2>&1) \
      || echo "Could not install Shopify CLI: its test will be skipped."
  fi
  if [ -x "$CLI_DIR/node_modules/.bin/shopify" ]; then
    export SHOPIFY_CLI="$PWD/$CLI_DIR/node_modules/.bin/shopify"
  fi
fi

exec .venv/bin/python -m pytest "$@"
