"""Helpers for the browser tests: Debian's Chromium, polls made and voted in through the API client, host pages."""

from __future__ import annotations

import functools
import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from local.stack import LocalStack
from ops.client import PollClient

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CI_OUTPUT = Path(__file__).resolve().parent.parent / "ci-output"
ADMIN_TOKEN = "widget-test-token"


@functools.cache
def api(stack: LocalStack) -> PollClient:
    """Return a client of the stack's API with its admin token (one per stack)."""
    return PollClient.over_http(stack.api_url, stack.admin_token)


def create_poll(stack: LocalStack, **fields: Any) -> dict[str, Any]:
    """Create a poll through the admin API (a unique id, two options unless given) and return it."""
    return api(stack).create_poll(
        **{"id": f"w-{uuid.uuid4().hex[:12]}", "question": "Tea or coffee?", "options": ["Tea", "Coffee"], **fields}
    )


def close_poll(stack: LocalStack, poll_id: str) -> None:
    """Close a poll now through the admin API."""
    api(stack).close(poll_id).expect(200)


def vote_over_http(stack: LocalStack, poll_id: str, options: list[str]) -> None:
    """Cast a vote as some other reader, without a browser (solving the poll's proof of work if it asks one), and
    wait until the fold has counted it."""
    api(stack).vote(poll_id, options, f"other-{uuid.uuid4().hex}", solve=True).expect(201)
    results(stack, poll_id)


def ballots(stack: LocalStack, poll_id: str) -> int:
    """Count a poll's ballots that count (not voided), read from the embedded endpoint's ballots table."""
    dynamodb, table = stack.client("dynamodb"), stack.environment()["BALLOTS_TABLE"]
    pages = dynamodb.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression="poll = :poll AND attribute_not_exists(voided_at)",
        ExpressionAttributeValues={":poll": {"S": poll_id}},
        Select="COUNT",
        ConsistentRead=True,
    )
    return sum(page["Count"] for page in pages)


def results(stack: LocalStack, poll_id: str) -> dict[str, Any]:
    """Return a poll's results as an admin sees them (whatever the poll's visibility), once the fold has counted
    every ballot the poll has (waiting, with a deadline)."""
    return api(stack).counted(poll_id, ballots(stack, poll_id))


def votes_by_option(stack: LocalStack, poll_id: str) -> dict[str, int]:
    """Return each option's vote count."""
    return {option["id"]: option["votes"] for option in results(stack, poll_id)["options"]}


def open_host_page(page: Any, stack: LocalStack, *poll_ids: str, theme: str | None = None) -> None:
    """Load the stack's preview page (`/embed`) embedding the given polls, as a news page would."""
    query = urlencode([("poll", poll_id) for poll_id in poll_ids] + ([("theme", theme)] if theme else []))
    page.goto(f"{stack.web_url}/embed?{query}")


def vote_body(request: Any) -> dict[str, Any]:
    """Return the JSON body of an intercepted vote request."""
    return dict(json.loads(request.post_data or "{}"))
