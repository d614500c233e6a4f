"""A stand-in for Cloudflare Turnstile's siteverify (its documented API: a form-encoded POST answered in JSON), which
cannot be reached from here: it passes the token "good-token" sent with the secret "turnstile-test-secret"."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

SECRET, GOOD_TOKEN = "turnstile-test-secret", "good-token"


class Siteverify:
    """A stand-in for Cloudflare's documented siteverify endpoint: form-encoded POST, JSON answer."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[dict[str, list[str]]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server calls
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                stand_in.requests.append(form)
                passed = form.get("secret") == [SECRET] and form.get("response") == [GOOD_TOKEN]
                body = {"success": passed, "error-codes": [] if passed else ["invalid-input-response"]}
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/turnstile/v0/siteverify"
