"""Near-live results at the edge: the local stack reads the counters table's stream (moto) and calls the app's
`publish_results` handler, which rewrites the results document readers get from the site."""

from __future__ import annotations

import time

import pytest

from local.stack import LocalStack
from tests.browser_support import create_poll, vote_over_http
from tests.helpers import UNPROTECTED

TOKEN = "edge-stream-test-token"


STACK = {"admin_token": TOKEN}


def create(stack: LocalStack, poll_id: str, **fields) -> None:
    create_poll(stack, **{"id": poll_id, "question": "Edge?", "options": ["Yes", "No"], **UNPROTECTED, **fields})


def wait_for_voters(stack: LocalStack, key: str, voters: int, timeout: float = 30) -> float:
    """Return the seconds until the document at `key` shows `voters` voters (fail after `timeout`)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        document = stack.read_snapshot(key)
        if document is not None and document["total_voters"] >= voters:
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"{key} did not show {voters} voters within {timeout} s: {stack.read_snapshot(key)}")


def test_a_vote_reaches_the_public_results_document_through_the_stream_without_the_snapshot_job(stack):
    create(stack, "edge-live")
    assert stack.read_snapshot("results/edge-live/latest.json")["total_voters"] == 0  # written on create
    for n in range(3):
        vote_over_http(stack, "edge-live", ["yes" if n else "no"])
    wait_for_voters(stack, "results/edge-live/latest.json", 3)
    document = stack.read_snapshot("results/edge-live/latest.json")
    assert [(o["id"], o["votes"]) for o in document["options"]] == [("yes", 2), ("no", 1)]
    assert stack.snapshot_reports == []  # the snapshot timer is off: the stream alone published it


@pytest.mark.parametrize("visibility", ["after_vote", "never", "after_close"])
def test_hidden_results_reach_only_the_private_document(stack, visibility):
    poll_id = f"edge-hidden-{visibility.replace('_', '-')}"
    create(stack, poll_id, results_visibility=visibility)
    vote_over_http(stack, poll_id, ["yes"])
    wait_for_voters(stack, f"private/results/{poll_id}/latest.json", 1)
    assert stack.read_snapshot(f"results/{poll_id}/latest.json") is None
