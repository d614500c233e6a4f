"""Helpers for the browser tests: Debian's Chromium, polls made and voted in through the API client, host pages."""

from __future__ import annotations

import functools
import json
import time
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


def results(stack: LocalStack, poll_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """Return a poll's results as an admin sees them (whatever the poll's visibility), once the fold has counted
    every ballot the poll has (waiting, with a deadline)."""
    return api(stack).counted(poll_id, ballots(stack, poll_id), timeout=timeout)


def votes_by_option(stack: LocalStack, poll_id: str) -> dict[str, int]:
    """Return each option's vote count."""
    return {option["id"]: option["votes"] for option in results(stack, poll_id)["options"]}


def widget(page: Any, poll_id: str) -> Any:
    """Return the locator of a poll's widget on a page."""
    return page.locator(f'[data-poll-id="{poll_id}"]')


def open_article(page: Any, stack: LocalStack, poll_id: str, view: str | None = None, lang: str | None = None) -> Any:
    """Open an article on the demo origin embedding the poll by the site's embed snippet (with `data-view` and the
    page's language where given; English otherwise); return the widget."""
    query = {"poll": poll_id, **({"view": view} if view else {}), **({"lang": lang} if lang else {})}
    page.goto(f"{stack.demo_url}article?{urlencode(query)}")
    return widget(page, poll_id)


def api_calls(stack: LocalStack, poll_id: str) -> list[tuple[str, str]]:
    """Return the requests about a poll that the site passed to the API (method, path)."""
    return [(method, path.split("?")[0]) for method, path, _ in stack.api_requests(f"/polls/{poll_id}")]


def settle() -> None:
    """Give a page a moment in which a stray request would be made."""
    time.sleep(0.7)


def open_host_page(page: Any, stack: LocalStack, *poll_ids: str, theme: str | None = None) -> None:
    """Load the stack's preview page (`/embed`) embedding the given polls, as a news page would."""
    query = urlencode([("poll", poll_id) for poll_id in poll_ids] + ([("theme", theme)] if theme else []))
    page.goto(f"{stack.web_url}/embed?{query}")


def vote_body(request: Any) -> dict[str, Any]:
    """Return the JSON body of an intercepted vote request."""
    return dict(json.loads(request.post_data or "{}"))


def serious_violations(page: Any) -> list[str]:
    """Return axe's serious and critical violations on a page (axe-playwright-python)."""
    from axe_playwright_python.sync_playwright import Axe

    report = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in report.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sign_in(page: Any, stack: LocalStack, email: str, password: str) -> None:
    """Sign in to the stack's console and wait for the polls list."""
    from playwright.sync_api import expect

    page.goto(stack.console_url)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Polls", exact=True)).to_be_focused()
