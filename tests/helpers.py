"""Small helpers shared by the tests."""

from __future__ import annotations

import itertools
from typing import Any

from chalice.test import Client

from ops.client import PollClient
from tests.conftest import ADMIN_TOKEN

_voters = itertools.count(1)


def new_voter() -> str:
    """Return a fresh valid voter token."""
    return f"voter-{next(_voters):06d}-token"


# Tests of other behaviour opt out of the protective defaults (a proof of work, an address window) explicitly;
# tests/api/test_stuffing.py proves the defaults.
UNPROTECTED: dict[str, Any] = {"challenge": "none", "address_limit": None}


def api(client: Client) -> PollClient:
    """Return the API client (ops/client.py) through this Chalice test client, with the admin token."""
    return PollClient.over_chalice(client, ADMIN_TOKEN)


def create_poll(client: Client, **fields: Any) -> dict[str, Any]:
    """Create a poll (unprotected unless the fields say otherwise) through the admin API and return its body."""
    body = {
        "question": "Should the council build the new bridge?",
        "options": ["Yes", "No", "Don't know"],
        **UNPROTECTED,
    }
    body.update(fields)
    return api(client).create_poll(**body)


def vote(client: Client, poll_id: str, options: list[str], voter: str | None = None, **extra: Any) -> Any:
    """Cast a vote through the public API and return Chalice's response."""
    return api(client).vote(poll_id, options, voter, extra=extra).raw


def patch(client: Client, poll_id: str, **fields: Any) -> Any:
    """Change a poll through the admin API and return Chalice's response."""
    return api(client).change(poll_id, **fields).raw


def error_code(response: Any) -> str:
    """Return the API error code of a response."""
    return response.json_body["error"]["code"]


def aws_error(code: str, status: int = 400, **extra: Any) -> Any:
    """Return a fault that answers a botocore call with an AWS error response."""
    from botocore.awsrequest import AWSResponse

    def respond(params: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        parsed = {
            "Error": {"Code": code, "Message": f"injected {code}"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        parsed.update(extra)
        return AWSResponse("https://injected.invalid", status, {}, None), parsed

    return respond


def conflict_on_window(params: dict[str, Any]) -> Any:
    """A fault: the vote's transaction is cancelled by a conflict on its address window (another voter behind the
    same address prefix held it)."""
    items = params["TransactItems"]
    reasons = [{"Code": "None"} for _ in items]
    window = next(
        i
        for i, item in enumerate(items)
        if item.get("Update", {}).get("Key", {}).get("pk", {}).get("S", "").startswith("aw#")
    )
    reasons[window] = {"Code": "TransactionConflict", "Message": "injected conflict"}
    return aws_error("TransactionCanceledException", CancellationReasons=reasons)(params)


def folded(publish: bool = True) -> int:
    """Wait for the fold: fold (and publish) what the votes so far wrote, as the streams' consumers would."""
    from local.streams import fold_now

    return fold_now(publish)


def iso_in(seconds: float) -> str:
    """Return the ISO 8601 UTC time this many seconds from now."""
    import time

    from chalicelib.core.times import to_iso

    return str(to_iso(time.time() + seconds))


DAY = 86400


def report(request: Any, line: str) -> None:
    """Print a line into pytest's output, past output capturing (shown without -s)."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    reporter = request.config.pluginmanager.getplugin("terminalreporter")
    if capture is None or reporter is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)
