"""Serving the editors' console (web/console/) from the local web server, with its config.json for this stack."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

CONSOLE = Path(__file__).resolve().parent.parent / "web" / "console"
PREFIX = "/console/"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}
NAME = re.compile(r"^(vendor/)?[A-Za-z0-9_.-]+\.(html|js|css|json|svg)$")
# What a browser may load on the console's pages: this origin, the API and the Cognito endpoint; no inline script;
# the widget's proof-of-work worker comes from a blob: URL and compiles WebAssembly for a scrypt proof (the
# preview votes).
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' {connect}; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def console_file(path: str, config: Callable[[], dict[str, Any]]) -> tuple[int, bytes, str, dict[str, str]] | None:
    """Answer a GET under /console/ (status, body, content type, headers); None for a path outside it."""
    if path in ("/console", PREFIX.rstrip("/")):
        return 301, b"", "text/plain; charset=utf-8", {"Location": PREFIX}
    if not path.startswith(PREFIX):
        return None
    name = path[len(PREFIX) :] or "index.html"
    settings = config()
    connect = " ".join(sorted({settings["api"], settings["cognito"]["endpoint"]}))
    headers = {"Content-Security-Policy": CSP.format(connect=connect), "X-Content-Type-Options": "nosniff"}
    if name == "config.json":
        return 200, json.dumps(settings, indent=2).encode(), TYPES[".json"], headers
    file = CONSOLE / name
    if not NAME.match(name) or ".." in name or not file.is_file():
        return 404, b"not found\n", "text/plain; charset=utf-8", headers
    return 200, file.read_bytes(), TYPES[file.suffix], headers


def local_config(api_url: str, cognito_endpoint: str, region: str, pool_id: str, client_id: str) -> dict[str, Any]:
    """The console's config.json for a stack: where the API and the Cognito endpoint are, and the pool's client."""
    return {
        "api": api_url,
        "cognito": {"endpoint": cognito_endpoint, "region": region, "userPoolId": pool_id, "clientId": client_id},
    }
