"""`make smoke`: the end-to-end check of a stage over HTTP passes against the local stack, removes its
canary poll whatever happens, and fails naming the step against a stack that is not there."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from local.stack import LocalStack, free_port
from ops.client import PollClient
from tests.conftest import ROOT

TOKEN = "smoke-test-admin-token-0123456789"
STEPS = ("health", "credential", "create", "vote", "results", "edge document", "delete")
STACK = {"admin_token": TOKEN}


@pytest.fixture(scope="module")
def site(stack: LocalStack) -> Iterator[str]:
    """A stand-in for the CDN: serves the results bucket's JSON objects by key, unauthenticated, once one snapshot
    run is done (so the public results index exists)."""
    stack.run_snapshots()
    assert stack.read_snapshot("results/index.json") is not None

    class Cdn(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the name http.server calls
            document = stack.read_snapshot(self.path.lstrip("/"))
            body = b"not found" if document is None else json.dumps(document).encode()
            self.send_response(404 if document is None else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # http.server's signature
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Cdn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def smoke(*args: str, token: str = TOKEN) -> subprocess.CompletedProcess[str]:
    """Run `python -m ops.smoke` as `make smoke` does, with the given arguments."""
    env = {**os.environ, "POLL_ADMIN_TOKEN": token}
    return subprocess.run(
        [sys.executable, "-m", "ops.smoke", "--stage", "local", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def step_lines(output: str) -> dict[str, str]:
    """Return each step's report line by step name."""
    lines = {}
    for line in output.splitlines():
        match = re.match(r"^(PASS|FAIL|SKIP)\s+(.+?)\s+(\d+\.\d\d s|-)\s", line)
        if match:
            lines[match.group(2)] = line
    return lines


def canary_id(output: str) -> str:
    match = re.search(r"smoke-\d{14}-[0-9a-f]{6}", output)
    assert match, output
    return match.group(0)


def poll_ids(api: PollClient) -> list[str]:
    return [poll["id"] for poll in api.polls(limit=100).expect(200)["polls"]]


def test_the_smoke_check_passes_against_the_local_stack_with_one_timed_line_per_step(stack, site, api):
    result = smoke("--api", stack.api_url, "--site", site)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = step_lines(result.stdout)
    assert list(lines) == list(STEPS)
    for step in STEPS:
        assert re.match(rf"^PASS  {step}\s+\d+\.\d\d s  \S", lines[step]), lines[step]
    assert "results/index.json" in lines["edge document"]
    assert result.stdout.rstrip().endswith("smoke test passed")
    assert canary_id(result.stdout) not in poll_ids(api)


def test_without_a_site_the_edge_document_is_skipped_with_a_clear_line(stack):
    result = smoke("--api", stack.api_url + "/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert step_lines(result.stdout)["edge document"].startswith("SKIP  edge document")
    assert "no SITE given" in result.stdout


def test_a_failing_step_fails_the_run_and_the_canary_is_still_deleted(stack, site, api):
    result = smoke("--api", stack.api_url, "--site", site, "--edge-path", "results/no-such-document.json")
    assert result.returncode == 1
    lines = step_lines(result.stdout)
    assert (
        lines["edge document"].startswith("FAIL  edge document") and "expected 200, got 404" in lines["edge document"]
    )
    assert lines["delete"].startswith("PASS  delete")
    assert result.stdout.rstrip().endswith("smoke test FAILED")
    assert canary_id(result.stdout) not in poll_ids(api)


def test_a_refused_credential_fails_the_create_step_and_leaves_nothing_to_delete(stack):
    result = smoke("--api", stack.api_url, token="not-the-admin-token-at-all")
    assert result.returncode == 1
    lines = step_lines(result.stdout)
    assert lines["create"].startswith("FAIL  create") and "expected 201, got 401" in lines["create"]
    assert lines["delete"].startswith("SKIP  delete")


def test_against_a_stopped_stack_it_fails_naming_the_health_step():
    port = free_port()  # nothing listens there
    result = smoke("--api", f"http://127.0.0.1:{port}")
    assert result.returncode == 1
    lines = step_lines(result.stdout)
    assert lines["health"].startswith("FAIL  health") and "Connection refused" in lines["health"]
    assert all(lines[step].startswith("SKIP") for step in STEPS[1:])
    assert result.stdout.rstrip().endswith("smoke test FAILED")


@pytest.mark.parametrize("api", ["ftp://example.com", "not a url"])
def test_anything_but_an_http_url_is_refused_as_bad_usage(api):
    result = smoke("--api", api)
    assert result.returncode == 2
    assert "not an http(s) URL" in result.stderr


def test_make_smoke_without_api_prints_its_usage():
    result = subprocess.run(["make", "-s", "smoke", "STAGE=dev"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "usage: make smoke STAGE=dev API=<stage URL>" in result.stdout
