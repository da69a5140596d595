"""`python -m devstore --port PORT [...]`: one process, many shops."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from werkzeug.serving import make_server

from devstore.config import Config
from devstore.server import create_devstore


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m devstore", description="A local stand-in for Shopify.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("DEVSTORE_PORT", 8765)))
    p.add_argument("--api-key", default=None, help="default: $SHOPIFY_API_KEY, then the toml's client_id")
    p.add_argument("--api-secret", default=None, help="default: $SHOPIFY_API_SECRET")
    p.add_argument("--app-url", default=None, help="default: $SHOPIFY_APP_URL")
    p.add_argument("--toml", default=None, help="the app's shopify.app.toml (default: the repository's)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--products", type=int, default=20)
    p.add_argument("--orders", type=int, default=20)
    p.add_argument("--locations", type=int, default=4)
    p.add_argument("--shops", default="", help="comma-separated shop handles or domains to create at start")
    p.add_argument("--plan", default="standard", help="standard, advanced, plus, enterprise")
    p.add_argument("--data-dir", default=None, help="where bulk operation files go (default: a temp dir)")
    p.add_argument("--access-token-ttl", type=int, default=3600)
    p.add_argument("--refresh-token-ttl", type=int, default=90 * 24 * 3600)
    p.add_argument("--install", action="store_true",
                   help="mark the --shops as installed with the toml's scopes (demo convenience)")
    p.add_argument("--quiet", action="store_true", help="no per-request log lines")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s devstore %(levelname)s %(message)s")
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    shops = [s.strip() for s in args.shops.split(",") if s.strip()]
    cfg = Config.load(api_key=args.api_key, api_secret=args.api_secret, app_url=args.app_url,
                      toml_path=args.toml, host=args.host, port=args.port, seed=args.seed,
                      products=args.products, orders=args.orders, locations=args.locations,
                      plan=args.plan, data_dir=args.data_dir, access_token_ttl=args.access_token_ttl,
                      refresh_token_ttl=args.refresh_token_ttl)
    # the server binds first so that port 0 works; shops are created after
    app = create_devstore(cfg)
    server = make_server(args.host, args.port, app, threaded=True)
    cfg.port = server.server_port
    state = app.extensions["devstore"]
    for s in shops:
        st = state.create_shop(s)
        if args.install:
            state.install(st.domain, cfg.scopes)

    def stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"devstore listening on {cfg.base_url}", flush=True)
    for s in shops:
        st = state.create_shop(s)
        print(f"devstore shop {st.domain}: {cfg.base_url}/{st.domain}/admin "
              f"({len(st.products)} products, {len(st.orders)} orders)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
