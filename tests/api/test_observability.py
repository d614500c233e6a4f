"""Logs and metrics: JSON log lines with a correlation id and no personal data; EMF metrics per outcome."""

from __future__ import annotations

import json

import pytest
from chalice.local import LambdaEventConverter

from chalicelib.runtime import observability
from tests.conftest import ADMIN
from tests.helpers import create_poll, new_voter, patch, vote


def lines(capsys):
    """Every JSON line printed since the last call (log lines and EMF metric blocks)."""
    out = capsys.readouterr().out
    found = []
    for line in out.splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found


def metrics(found):
    """(metric name, value, dimensions) of every EMF block."""
    measured = []
    for block in found:
        for directive in block.get("_aws", {}).get("CloudWatchMetrics", []):
            dimensions = {name: block[name] for names in directive["Dimensions"] for name in names}
            for metric in directive["Metrics"]:
                values = block[metric["Name"]]
                measured.append((metric["Name"], sum(values) if isinstance(values, list) else values, dimensions))
    return measured


def requests_logged(found):
    return [block for block in found if block.get("message") == "request"]


def test_each_request_logs_one_json_line_with_route_poll_and_outcome_and_no_token_or_address(
    client, capsys, monkeypatch
):
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "198.51.100.77")
    poll = create_poll(client)
    voter = new_voter()
    lines(capsys)
    assert vote(client, poll["id"], ["yes"], voter).status_code == 201
    vote(client, poll["id"], ["yes"], voter)
    found = lines(capsys)
    logged = requests_logged(found)
    assert [(entry["route"], entry["poll_id"], entry["status"], entry["outcome"]) for entry in logged] == [
        ("POST /polls/{poll_id}/votes", poll["id"], 201, "ok"),
        ("POST /polls/{poll_id}/votes", poll["id"], 409, "already_voted"),
    ]
    assert all(entry["level"] == "INFO" and entry["correlation_id"] for entry in logged)
    assert logged[0]["correlation_id"] != logged[1]["correlation_id"]
    printed = json.dumps(found)
    assert voter not in printed and "198.51.100.77" not in printed


def test_an_accepted_vote_emits_vote_accepted(client, capsys):
    poll = create_poll(client)
    lines(capsys)
    vote(client, poll["id"], ["yes"], new_voter())
    measured = metrics(lines(capsys))
    assert (observability.VOTE_ACCEPTED, 1.0, {"service": "polls"}) in measured
    assert not [m for m in measured if m[0] == observability.VOTE_REFUSED]


@pytest.mark.parametrize(
    ("setup", "options", "reason"),
    [
        ("repeat", ["yes"], "already_voted"),
        (None, ["maybe"], "invalid_option"),
        ("closed", ["yes"], "poll_closed"),
        ("missing", ["yes"], "poll_not_found"),
    ],
)
def test_each_refusal_emits_vote_refused_with_its_reason(client, capsys, setup, options, reason):
    poll = create_poll(client)
    voter = new_voter()
    poll_id = "no-such-poll" if setup == "missing" else poll["id"]
    if setup == "repeat":
        vote(client, poll_id, ["yes"], voter)
    if setup == "closed":
        patch(client, poll_id, status="closed")
    lines(capsys)
    vote(client, poll_id, options, voter)
    measured = metrics(lines(capsys))
    assert [(m[0], m[2]) for m in measured if m[0] == observability.VOTE_REFUSED] == [
        (observability.VOTE_REFUSED, {"service": "polls", "reason": reason})
    ]
    assert not [m for m in measured if m[0] == observability.VOTE_ACCEPTED]


def test_a_conflict_emits_a_conflict_and_a_retry(client, capsys, faults):
    from tests.helpers import conflict_on_window

    poll = create_poll(client, address_limit={"votes": 60, "minutes": 10})
    faults.add("TransactWriteItems", conflict_on_window, times=1)
    lines(capsys)
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    names = [m[0] for m in metrics(lines(capsys))]
    assert names.count(observability.TRANSACTION_CONFLICTS) == 1 and names.count(observability.VOTE_RETRIES) == 1


def test_results_reads_are_counted_by_source(client, capsys):
    poll = create_poll(client)
    from chalicelib.services import catalog

    catalog.reset()
    lines(capsys)
    client.http.get(f"/polls/{poll['id']}/results")
    client.http.get(f"/polls/{poll['id']}/results")
    sources = [m[2]["source"] for m in metrics(lines(capsys)) if m[0] == observability.RESULTS_READS]
    assert sources == ["store", "cache"]


def test_a_snapshot_run_emits_written_skipped_failed_and_age(client, capsys):
    poll = create_poll(client)
    vote(client, poll["id"], ["yes"], new_voter())
    lines(capsys)
    client.http.post("/snapshots", headers=ADMIN)
    first = {m[0]: m[1] for m in metrics(lines(capsys))}
    assert first[observability.SNAPSHOT_WRITTEN] == 1 and first[observability.SNAPSHOT_FAILED] == 0
    assert first[observability.SNAPSHOT_AGE_SECONDS] == 0
    client.http.post("/snapshots", headers=ADMIN)
    second = {m[0]: m[1] for m in metrics(lines(capsys))}
    assert second[observability.SNAPSHOT_SKIPPED] == 1 and second[observability.SNAPSHOT_WRITTEN] == 0
    assert 0 <= second[observability.SNAPSHOT_AGE_SECONDS] < 60
