"""A slow local token endpoint that counts refreshes: it makes refresh races visible."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class TokenServer:
    def __init__(self, delay: float = 0.5):
        self.delay = delay
        self.refreshes: list[dict] = []
        self.refuse = False
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                time.sleep(server.delay)
                if server.refuse:
                    body, status = {"error": "invalid_grant", "error_description": "refresh token revoked"}, 400
                else:
                    with server._lock:
                        server.refreshes.append(form)
                        n = len(server.refreshes)
                    body, status = {
                        "access_token": f"shpat_new_{n}",
                        "scope": "read_products,read_orders,write_inventory,read_locations,write_merchant_managed_fulfillment_orders",
                        "expires_in": 3600,
                        "refresh_token": f"shprt_new_{n}",
                        "refresh_token_expires_in": 7776000,
                    }, 200
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}/{{shop}}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
