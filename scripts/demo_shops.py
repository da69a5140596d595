"""Two more demo shops for scripts/dev.sh, so the operator console has something to find:
`north` and `south` (small catalogs), opened once the way Shopify admin opens an installed
app (so the app connects them), and a product store "Demo brand" holding `demo` and `north`.

Run by dev.sh once the app answers; safe to run again (what exists is left as it is).
Needs the settings dev.sh exports (instance/dev.env) and the devstore URL as its argument.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstore.testing import DevstoreClient  # noqa: E402

EXTRA_SHOPS = ("north", "south")
STORE_NAME = "Demo brand"


def signed_entry(shop: str, secret: str, **extra) -> dict:
    """The query Shopify admin adds to application_url: HMAC-SHA256 of the sorted params."""
    import hashlib
    import hmac

    params = {"shop": shop, "timestamp": str(int(time.time())), **extra}
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    params["hmac"] = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return params


def flask(*args: str) -> str:
    result = subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", *args], cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)}: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def main(devstore_url: str, primary: str) -> None:
    app_url = os.environ["SHOPIFY_APP_URL"]
    secret = os.environ["SHOPIFY_API_SECRET"]
    ds = DevstoreClient(devstore_url)
    domains = [f"{primary}.myshopify.com"] + [f"{handle}.myshopify.com" for handle in EXTRA_SHOPS]
    existing = {summary.get("domain") for summary in ds.shops()}
    for domain in domains[1:]:
        if domain not in existing:  # devstore keeps its shops in memory: made again on each start
            ds.create_shop(domain, products=200, orders=100, install=True)
    with requests.Session() as http:
        for domain in domains:
            # What Shopify admin does when the merchant opens an installed app: the app
            # exchanges the session token for an access token and connects the shop.
            params = signed_entry(domain, secret, embedded="1", host="ZGVtbw", id_token=ds.session_token(domain))
            http.get(app_url + "/", params=params, allow_redirects=False, timeout=60)
    stores = flask("productstore", "list")
    if STORE_NAME not in stores:
        store_id = flask("productstore", "create", STORE_NAME, "--identifier", "sku")
        for domain in domains[:2]:
            flask("productstore", "link", store_id, domain)
    print(f"  demo shops: {', '.join(domains)}; {domains[0]} and {domains[1]} under product store {STORE_NAME!r}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "demo")
