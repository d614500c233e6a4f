"""Helpers for the widget's browser tests: Debian's Chromium, polls made through the admin API, host pages."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

from local.stack import LocalStack
from tests.proofs import solve

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


def admin(stack: LocalStack) -> dict[str, str]:
    """Return the headers of an admin request to the stack."""
    return {"Authorization": f"Bearer {stack.admin_token}", "Content-Type": "application/json"}


def create_poll(stack: LocalStack, **fields: Any) -> dict[str, Any]:
    """Create a poll through the admin API (a unique id, two options unless given) and return it."""
    body = {"id": f"w-{uuid.uuid4().hex[:12]}", "question": "Tea or coffee?", "options": ["Tea", "Coffee"]}
    body.update(fields)
    response = requests.post(f"{stack.api_url}/polls", headers=admin(stack), json=body, timeout=10)
    assert response.status_code == 201, response.text
    return dict(response.json())


def close_poll(stack: LocalStack, poll_id: str) -> None:
    """Close a poll now through the admin API."""
    response = requests.patch(
        f"{stack.api_url}/polls/{poll_id}", headers=admin(stack), json={"status": "closed"}, timeout=10
    )
    assert response.status_code == 200, response.text


def vote_over_http(stack: LocalStack, poll_id: str, options: list[str]) -> None:
    """Cast a vote as some other reader, without a browser (solving the poll's proof of work if it asks one)."""
    body: dict[str, Any] = {"options": options, "voter": f"other-{uuid.uuid4().hex}"}
    poll = requests.get(f"{stack.api_url}/polls/{poll_id}", timeout=10).json()
    if poll["challenge"] == "proof_of_work":
        body["proof"] = solve(requests.get(f"{stack.api_url}/polls/{poll_id}/challenge", timeout=10).json())
    response = requests.post(f"{stack.api_url}/polls/{poll_id}/votes", json=body, timeout=10)
    assert response.status_code == 201, response.text


def results(stack: LocalStack, poll_id: str) -> dict[str, Any]:
    """Return a poll's results as an admin sees them (whatever the poll's visibility)."""
    response = requests.get(f"{stack.api_url}/polls/{poll_id}/results", headers=admin(stack), timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


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
