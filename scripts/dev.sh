#!/usr/bin/env bash
# Sets everything up and runs the app locally against devstore (a local Shopify):
#   devstore on :9292 with a seeded demo shop, the app (gunicorn) on :8000, the scheduler
#   (the clock; with no CELERY_BROKER_URL it runs the work in-process: no broker needed;
#   with one, a Celery worker is started too).
# Then open the printed admin URL: the app opens embedded in devstore's admin, as in Shopify's.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

APP_PORT=${APP_PORT:-8000}
DEVSTORE_PORT=${DEVSTORE_PORT:-9292}
SHOP_HANDLE=${SHOP_HANDLE:-demo}
CLIENT_ID=$(.venv/bin/python -c "import tomllib; print(tomllib.load(open('shopify.app.toml','rb'))['client_id'])")

export SHOPIFY_API_KEY=${SHOPIFY_API_KEY:-$CLIENT_ID}
export SHOPIFY_API_SECRET=${SHOPIFY_API_SECRET:-devstore-local-secret-not-for-production}
export SHOPIFY_APP_URL=${SHOPIFY_APP_URL:-http://127.0.0.1:$APP_PORT}
export SHOPIFY_SHOP_ORIGIN=${SHOPIFY_SHOP_ORIGIN:-http://127.0.0.1:$DEVSTORE_PORT/\{shop\}}
export APP_BRIDGE_URL=${APP_BRIDGE_URL:-http://127.0.0.1:$DEVSTORE_PORT/cdn/shopifycloud/app-bridge.js}
mkdir -p instance
if [ -z "${SECRET_KEY:-}" ]; then
  [ -f instance/secret_key ] || .venv/bin/python -c "import secrets; print(secrets.token_hex(32))" > instance/secret_key
  export SECRET_KEY=$(cat instance/secret_key)
fi
if [ -z "${TOKEN_ENCRYPTION_KEY:-}" ]; then
  [ -f instance/token_key ] || .venv/bin/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" > instance/token_key
  export TOKEN_ENCRYPTION_KEY=$(cat instance/token_key)
fi

# The same settings for commands run from another terminal:
#   set -a; . instance/dev.env; set +a; .venv/bin/flask --app wsgi apikey list
for name in SHOPIFY_API_KEY SHOPIFY_API_SECRET SHOPIFY_APP_URL SHOPIFY_SHOP_ORIGIN APP_BRIDGE_URL SECRET_KEY TOKEN_ENCRYPTION_KEY; do
  printf "%s=%q\n" "$name" "${!name}"
done > instance/dev.env
chmod 600 instance/dev.env instance/secret_key instance/token_key 2>/dev/null || true

.venv/bin/flask --app wsgi db upgrade
# An OMS API key for trying the OMS REST API on the demo (only its hash is in the database).
if [ ! -s instance/demo_api_key ]; then
  .venv/bin/flask --app wsgi apikey create "devstore demo" | tail -n 1 > instance/demo_api_key
  chmod 600 instance/demo_api_key
fi
OMS_KEY=$(cat instance/demo_api_key)
# A demo super user of the operator console (its password in instance/demo_operator_password).
DEMO_OPERATOR=${DEMO_OPERATOR:-operator@example.com}
if [ ! -s instance/demo_operator_password ]; then
  .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(12))" > instance/demo_operator_password
  chmod 600 instance/demo_operator_password
  .venv/bin/flask --app wsgi user create "$DEMO_OPERATOR" --role super_user --name "Demo operator" \
    < instance/demo_operator_password | tail -n 1
fi

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

.venv/bin/python -m devstore --port "$DEVSTORE_PORT" --shops "$SHOP_HANDLE" --install \
  --products "${DEMO_PRODUCTS:-2000}" --orders "${DEMO_ORDERS:-1000}" --quiet &
pids+=($!)
.venv/bin/flask --app wsgi scheduler &
pids+=($!)
if [ -n "${CELERY_BROKER_URL:-}" ]; then
  .venv/bin/flask --app wsgi worker &
  pids+=($!)
fi

cat <<MSG

  devstore (local Shopify):  http://127.0.0.1:$DEVSTORE_PORT
  the app:                   $SHOPIFY_APP_URL
  The demo shop has the app installed; open it in the shop's admin (the first visit
  connects it, then products and orders download on their own):
    http://127.0.0.1:$DEVSTORE_PORT/$SHOP_HANDLE.myshopify.com/admin/apps/$SHOPIFY_API_KEY
  The OMS REST API (key in instance/demo_api_key; settings for flask commands in instance/dev.env):
    curl -H "Authorization: Bearer $OMS_KEY" "$SHOPIFY_APP_URL/oms/v1/orders?shop=$SHOP_HANDLE.myshopify.com"
  The operator console (a demo super user):
    $SHOPIFY_APP_URL/console/   sign in as $DEMO_OPERATOR with password $(cat instance/demo_operator_password)

MSG
.venv/bin/gunicorn wsgi:app --bind "127.0.0.1:$APP_PORT" --workers 2 --threads 4 --access-logfile - &
pids+=($!)
# Two more demo shops once the app answers, two of the three under one product store.
(
  for _ in $(seq 120); do curl -fs "$SHOPIFY_APP_URL/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
  .venv/bin/python scripts/demo_shops.py "http://127.0.0.1:$DEVSTORE_PORT" "$SHOP_HANDLE" \
    || echo "  (the extra demo shops could not be set up; the demo shop works without them)"
) &
# Until one of the servers stops (not the set-up above, which ends on its own).
wait -n "${pids[@]}"
