"""The widget without a browser: its size, the local stack serving web/ and running the snapshot timer."""

from __future__ import annotations

import gzip
import os
import socket
import time
from pathlib import Path

import pytest
import requests

from devtools.local_stack import DEMO_POLL, LocalStack, banner, free_port
from tests.proofs import solve

WIDGET = Path(__file__).resolve().parents[2] / "web" / "poll-widget.js"
GZIP_BUDGET = 6 * 1024


def test_the_widget_is_at_most_6_kb_gzipped():
    size = len(gzip.compress(WIDGET.read_bytes(), compresslevel=9))
    assert size <= GZIP_BUDGET, f"poll-widget.js is {size} bytes gzipped, over the {GZIP_BUDGET} byte budget"


@pytest.fixture(scope="module")
def stack():
    os.environ["QUIET_CHALICE"] = "1"
    with LocalStack(port=free_port(), aws_port=free_port(), admin_token="web-test-token", snapshot_every=1) as running:
        yield running


def test_the_local_stack_serves_the_widget_script(stack):
    response = requests.get(f"{stack.web_url}/poll-widget.js", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.content == WIDGET.read_bytes()


def test_the_demo_page_embeds_the_demo_poll_pointed_at_the_stacks_api(stack):
    response = requests.get(f"{stack.web_url}/demo", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert f'data-poll-id="{DEMO_POLL["id"]}" data-api="{stack.api_url}"' in response.text
    assert '<script src="poll-widget.js" defer></script>' in response.text


@pytest.mark.parametrize("path", ["/../app.py", "/chalicelib/settings.py", "/missing.js", "/.env"])
def test_the_web_server_serves_only_files_of_web(stack, path):
    assert requests.get(f"{stack.web_url}{path}", timeout=10).status_code == 404


def _latest_snapshot(stack: LocalStack) -> dict | None:
    return stack.read_snapshot(f"results/{DEMO_POLL['id']}/latest.json")


def test_the_snapshot_timer_writes_the_demo_polls_latest_results_to_the_bucket(stack):
    challenge = requests.get(f"{stack.api_url}/polls/{DEMO_POLL['id']}/challenge", timeout=10).json()
    vote = requests.post(
        f"{stack.api_url}/polls/{DEMO_POLL['id']}/votes",
        json={"options": ["no"], "voter": "snapshot-timer-voter", "proof": solve(challenge)},
        timeout=10,
    )
    assert vote.status_code == 201
    counted = vote.json()["results"]["total_voters"]
    deadline = time.monotonic() + 15
    latest = _latest_snapshot(stack)
    while (latest is None or latest["total_voters"] < counted) and time.monotonic() < deadline:
        time.sleep(0.3)
        latest = _latest_snapshot(stack)
    assert latest is not None, "no results/junior-doctors-mediation/latest.json in the bucket"
    assert latest["total_voters"] == counted  # written by a run after the vote: the timer repeats
    assert latest["poll_id"] == DEMO_POLL["id"] and "snapshot_at" in latest


def test_stopping_the_stack_stops_the_web_server_and_the_snapshot_timer():
    os.environ["QUIET_CHALICE"] = "1"
    stack = LocalStack(port=free_port(), aws_port=free_port(), admin_token="t-stop", snapshot_every=0.2)
    with stack:
        web_url = stack.web_url
        assert requests.get(f"{web_url}/poll-widget.js", timeout=10).status_code == 200
        threads = list(stack._threads)
    assert not any(thread.is_alive() for thread in threads)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{web_url}/poll-widget.js", timeout=2)


def test_make_runs_banner_says_where_the_demo_page_and_the_snapshots_are(stack):
    text = banner(stack)
    assert f"{stack.web_url}/demo" in text
    assert f"{stack.endpoint}/{stack.results_bucket}/results/{DEMO_POLL['id']}/latest.json" in text
    assert "every 1 s" in text and stack.admin_token in text


def test_the_preview_page_embeds_the_polls_it_is_asked_for_escaped(stack):
    response = requests.get(f"{stack.web_url}/embed", params={"poll": ["a-poll", '"><script>x()</script>']}, timeout=10)
    assert response.status_code == 200
    assert f'<div data-poll-id="a-poll" data-api="{stack.api_url}"></div>' in response.text
    assert "<script>x()" not in response.text and "&quot;&gt;&lt;script&gt;" in response.text


def test_a_busy_web_port_fails_the_start_and_leaves_nothing_running():
    os.environ["QUIET_CHALICE"] = "1"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port, aws_port = free_port(), free_port()
        stack = LocalStack(port=port, aws_port=aws_port, admin_token="t", web_port=taken.getsockname()[1])
        with pytest.raises(OSError):
            stack.start()
    assert stack._chalice is None and stack._moto is None
    for free in (port, aws_port):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", free))  # nothing listens there
