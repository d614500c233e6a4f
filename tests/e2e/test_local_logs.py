"""`make run` logs as a deployed stage does: the API writes one JSON line per request, with no token or address."""

from __future__ import annotations

import json

import requests

from ops.client import session_from
from tests.helpers import UNPROTECTED

READER = "127.0.0.9"


def test_the_local_api_writes_json_request_lines_without_tokens_or_addresses(tmp_path, make_stack):
    log = tmp_path / "api.log"
    voter = "local-log-voter-0001"
    admin = {"Authorization": "Bearer log-test-token"}
    with make_stack(admin_token="log-test-token", api_log=log) as stack:
        body = {"id": "log-poll", "question": "Logged?", "options": ["Yes", "No"], **UNPROTECTED}
        assert requests.post(f"{stack.api_url}/polls", json=body, headers=admin, timeout=30).status_code == 201
        vote = {"options": ["yes"], "voter": voter}
        with session_from(READER) as reader:  # a reader's own address, to look for in the log
            assert reader.post(f"{stack.api_url}/polls/log-poll/votes", json=vote, timeout=30).status_code == 201
    text = log.read_text()
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("Serving on ")]
    entries = [json.loads(line) for line in lines]  # every line the app writes is JSON
    requests_logged = [e for e in entries if e.get("message") == "request"]
    assert ("POST /polls/{poll_id}/votes", "log-poll", 201, "ok") in [
        (e["route"], e.get("poll_id"), e["status"], e["outcome"]) for e in requests_logged
    ]
    assert all(e["level"] == "INFO" and e["service"] == "polls" and e["correlation_id"] for e in requests_logged)
    assert voter not in text and READER not in text
