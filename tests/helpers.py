"""Small helpers shared by the tests."""

from __future__ import annotations

import itertools
import json
from typing import Any

from chalice.test import Client

from tests.conftest import ADMIN, JSON

_voters = itertools.count(1)


def new_voter() -> str:
    """Return a fresh valid voter token."""
    return f"voter-{next(_voters):06d}-token"


def create_poll(client: Client, **fields: Any) -> dict[str, Any]:
    """Create a poll through the admin API and return its body."""
    body = {"question": "Should the council build the new bridge?", "options": ["Yes", "No", "Don't know"]}
    body.update(fields)
    response = client.http.post("/polls", headers=ADMIN, body=json.dumps(body))
    assert response.status_code == 201, response.body
    return response.json_body


def vote(client: Client, poll_id: str, options: list[str], voter: str | None = None, **extra: Any) -> Any:
    """Cast a vote through the public API and return the response."""
    body: dict[str, Any] = {"options": options, **extra}
    if voter is not None:
        body["voter"] = voter
    return client.http.post(f"/polls/{poll_id}/votes", headers=JSON, body=json.dumps(body))


def patch(client: Client, poll_id: str, **fields: Any) -> Any:
    """Change a poll through the admin API and return the response."""
    return client.http.request("PATCH", f"/polls/{poll_id}", headers=ADMIN, body=json.dumps(fields))


def error_code(response: Any) -> str:
    """Return the API error code of a response."""
    return response.json_body["error"]["code"]
