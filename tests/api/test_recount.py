"""Recount: ballots are read per shard through an index, drift is reported per option and repaired on request."""

from __future__ import annotations

import json

import pytest

from chalicelib.runtime.clients import client as aws_client
from chalicelib.runtime.settings import get_settings
from chalicelib.store.dynamo.keys import shard_key
from tests.conftest import ADMIN
from tests.helpers import create_poll, error_code, new_voter, patch, vote


def recount(client, poll_id, body=None, headers=ADMIN):
    return client.http.post(
        f"/polls/{poll_id}/recount", headers=headers, body=json.dumps(body) if body is not None else b""
    )


def corrupt(poll_id: str, shard: int, option: str, by: int) -> None:
    """Add to one shard's option counter behind the app's back, as a bug or a bad restore would."""
    aws_client("dynamodb").update_item(
        TableName=get_settings().counters_table,
        Key={"pk": {"S": shard_key(poll_id, shard)}},
        UpdateExpression="SET counts.#o = counts.#o + :n",
        ExpressionAttributeNames={"#o": option},
        ExpressionAttributeValues={":n": {"N": str(by)}},
    )


@pytest.fixture
def voted_poll(client):
    poll = create_poll(client, shards=3, max_choices=2)
    for choice in (["yes"], ["no"], ["yes", "dont-know"], ["yes"], ["no"]):
        assert vote(client, poll["id"], choice, new_voter()).status_code == 201
    return poll


def test_a_consistent_poll_recounts_without_drift(client, voted_poll):
    report = recount(client, voted_poll["id"]).json_body
    expected = {"total_voters": 5, "options": {"yes": 3, "no": 2, "dont-know": 1}}
    assert report["ballots"] == expected
    assert report["counters"] == expected
    assert report["drift"] == {"total_voters": 0, "options": {"yes": 0, "no": 0, "dont-know": 0}}
    assert report["drifting_shards"] == [] and report["fixed_shards"] == []


def test_drift_is_reported_per_option_and_per_shard(client, voted_poll):
    corrupt(voted_poll["id"], 1, "yes", 2)
    report = recount(client, voted_poll["id"]).json_body
    assert report["drift"]["options"] == {"yes": 2, "no": 0, "dont-know": 0}
    assert report["drifting_shards"] == [1]
    assert report["counters"]["options"]["yes"] == report["ballots"]["options"]["yes"] + 2


def test_repair_needs_a_closed_poll_and_then_restores_the_ballot_counts(client, voted_poll):
    corrupt(voted_poll["id"], 2, "no", -1)
    refused = recount(client, voted_poll["id"], {"fix": True})
    assert refused.status_code == 409 and error_code(refused) == "poll_open"
    patch(client, voted_poll["id"], status="closed")
    repaired = recount(client, voted_poll["id"], {"fix": True}).json_body
    assert repaired["fixed_shards"] == [2]
    after = recount(client, voted_poll["id"]).json_body
    assert after["drift"] == {"total_voters": 0, "options": {"yes": 0, "no": 0, "dont-know": 0}}
    results = client.http.get(f"/polls/{voted_poll['id']}/results").json_body
    assert {o["id"]: o["votes"] for o in results["options"]} == {"yes": 3, "no": 2, "dont-know": 1}


def test_recount_queries_the_ballot_index_once_per_shard_and_never_scans(client, voted_poll, calls):
    other = create_poll(client)
    for _ in range(4):
        vote(client, other["id"], ["no"], new_voter())
    calls.clear()
    report = recount(client, voted_poll["id"]).json_body
    assert report["ballots"]["total_voters"] == 5  # the other poll's ballots are not counted
    dynamo = calls.count("dynamodb")
    assert "Scan" not in dynamo
    assert dynamo["Query"] == 3
    queries = [c.params for c in calls.calls if c.operation == "Query"]
    assert {q["IndexName"] for q in queries} == {"by-slot"}


def test_polls_without_ballots_cannot_be_recounted(client):
    poll = create_poll(client, repeat_votes={"block": "none"})
    response = recount(client, poll["id"])
    assert response.status_code == 409 and error_code(response) == "recount_unavailable"


@pytest.mark.parametrize("body", [[], {"fix": "yes"}, {"fix": True, "other": 1}])
def test_recount_rejects_malformed_bodies(client, voted_poll, body):
    response = recount(client, voted_poll["id"], body)
    assert response.status_code == 400 and error_code(response) == "invalid_json"


def test_recount_is_admin_only_and_needs_an_existing_poll(client, voted_poll):
    assert error_code(recount(client, voted_poll["id"], headers={})) == "unauthorized"
    assert error_code(recount(client, "no-such-poll")) == "poll_not_found"


def test_the_command_line_prints_the_same_report(client, voted_poll, capsys):
    from ops.recount import main

    corrupt(voted_poll["id"], 0, "yes", 1)
    assert main([voted_poll["id"]]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["drift"]["options"]["yes"] == 1
    patch(client, voted_poll["id"], status="closed")
    capsys.readouterr()  # the API's own log lines
    assert main([voted_poll["id"], "--fix"]) == 0
    assert json.loads(capsys.readouterr().out)["fixed_shards"] == [0]
