#!/usr/bin/env bash
# The command `shopify app dev` runs (shopify.web.toml's `[commands] dev`): the app against
# a real development store, through the CLI's tunnel.
#
# The CLI sets HOST (the tunnel's public https URL), PORT (where it forwards to),
# SHOPIFY_API_KEY, SHOPIFY_API_SECRET and SCOPES. They become the app's settings here, with
# Shopify's real origins (a devstore's SHOPIFY_SHOP_ORIGIN or APP_BRIDGE_URL left in the
# environment would point the app at a local stand-in). Then it migrates and runs the web
# (gunicorn on 127.0.0.1:PORT) and the clock (`flask --app wsgi scheduler`).
#
#   bash scripts/shopify_dev.sh --print-env   # show the mapped settings and stop (secrets hidden)
set -euo pipefail
cd "$(dirname "$0")/.."

: "${HOST:?HOST is not set: run this through 'shopify app dev' (or set HOST and PORT yourself)}"
: "${PORT:?PORT is not set: run this through 'shopify app dev'}"
: "${SHOPIFY_API_KEY:?SHOPIFY_API_KEY is not set: run this through 'shopify app dev'}"
: "${SHOPIFY_API_SECRET:?SHOPIFY_API_SECRET is not set: run this through 'shopify app dev'}"

case "$HOST" in
  http://*|https://*) app_url=$HOST ;;
  *) app_url="https://$HOST" ;;  # older CLIs gave the host name alone
esac
export SHOPIFY_APP_URL=${app_url%/}
# SCOPES comes from shopify.app.toml through the CLI; when it is empty the app reads the toml itself.
[ -n "${SCOPES:-}" ] || unset SCOPES
export SHOPIFY_SHOP_ORIGIN="https://{shop}"
unset APP_BRIDGE_URL  # Shopify's own App Bridge (the app's default)
export APP_ENV=development
mkdir -p instance
# A database of its own: a real store's data never mixes with devstore's demo (scripts/dev.sh).
export DATABASE_URL=${SHOPIFY_DEV_DATABASE_URL:-sqlite:///$PWD/instance/shopify_cli_dev.sqlite3}
# Keys kept across runs, so that the shop's stored token still decrypts next time.
if [ -z "${SECRET_KEY:-}" ]; then
  [ -f instance/secret_key ] || python3 -c "import secrets; print(secrets.token_hex(32))" > instance/secret_key
  export SECRET_KEY=$(cat instance/secret_key)
fi
if [ -z "${TOKEN_ENCRYPTION_KEY:-}" ]; then
  [ -f instance/token_key ] || python3 -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())" > instance/token_key
  export TOKEN_ENCRYPTION_KEY=$(cat instance/token_key)
fi
chmod 600 instance/secret_key instance/token_key 2>/dev/null || true

if [ "${1:-}" = "--print-env" ]; then
  for name in SHOPIFY_APP_URL PORT SHOPIFY_API_KEY SCOPES SHOPIFY_SHOP_ORIGIN APP_ENV DATABASE_URL; do
    printf "%s=%s\n" "$name" "${!name:-}"
  done
  echo "SHOPIFY_API_SECRET=[set]"
  exit 0
fi

[ "${SKIP_SETUP:-0}" = "1" ] || bash scripts/setup.sh
.venv/bin/flask --app wsgi db upgrade

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
AUTO_MIGRATE=0 .venv/bin/flask --app wsgi scheduler &
pids+=($!)
AUTO_MIGRATE=0 .venv/bin/gunicorn wsgi:app --bind "127.0.0.1:$PORT" --workers 2 --threads 4 --access-logfile - &
pids+=($!)
echo "The app: $SHOPIFY_APP_URL (gunicorn on 127.0.0.1:$PORT, and the scheduler)"
wait -n
