"""The console's files: vendored uPlot matches its recorded hashes, and the local server serves only the console."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from local.console import CONSOLE, console_file

CONFIG = {
    "api": "http://127.0.0.1:8000",
    "cognito": {
        "endpoint": "http://127.0.0.1:4566",
        "region": "us-east-1",
        "userPoolId": "us-east-1_x",
        "clientId": "abc",
    },
}


def sri(path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def test_every_vendored_file_matches_the_integrity_index_html_loads_it_with_and_the_vendor_readme():
    page = (CONSOLE / "index.html").read_text()
    readme = (CONSOLE / "vendor" / "README.md").read_text()
    loaded = re.findall(r'(?:src|href)="(vendor/[^"]+)" integrity="([^"]+)"', page)
    assert {name for name, _ in loaded} == {"vendor/uPlot.iife.min.js", "vendor/uPlot.min.css"}
    for name, integrity in loaded:
        assert sri(CONSOLE / name) == integrity, name
        assert integrity in readme, name


def test_the_console_loads_no_script_from_another_origin_and_no_inline_script():
    page = (CONSOLE / "index.html").read_text()
    assert re.findall(r"<script[^>]*>\s*[^<\s]", page) == []  # every script element is empty: src only
    assert all(not src.startswith(("http:", "https:", "//")) for src in re.findall(r'src="([^"]+)"', page))


@pytest.mark.parametrize("path", ["/console/../app.py", "/console/%2e%2e/app.py", "/console/vendor/README.md"])
def test_the_local_server_serves_nothing_outside_the_console_files(path):
    status, _, _, _ = console_file(path, lambda: CONFIG)
    assert status == 404


def test_the_local_server_sends_the_config_and_a_strict_content_security_policy():
    status, body, content_type, headers = console_file("/console/config.json", lambda: CONFIG)
    assert (status, content_type) == (200, "application/json")
    assert b'"clientId": "abc"' in body
    policy = headers["Content-Security-Policy"]
    # WebAssembly only (the widget's scrypt solver, in the preview): never inline scripts or eval.
    assert "script-src 'self' 'wasm-unsafe-eval';" in policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "connect-src 'self' http://127.0.0.1:4566 http://127.0.0.1:8000;" in policy
    assert console_file("/console", lambda: CONFIG)[3]["Location"] == "/console/"
    assert console_file("/elsewhere", lambda: CONFIG) is None
