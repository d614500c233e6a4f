"""The write and read paths cost what the design promises, counted with a botocore event hook."""

from __future__ import annotations

import pytest

from chalicelib.runtime import state
from local.stack import stage_environment
from tests.helpers import create_poll, folded, new_voter, patch, vote

WINDOW = {"address_limit": {"votes": 60, "minutes": 10}}  # and the default blocks: the test client's /24 is one


def dynamodb_calls(calls):
    return calls.operations("dynamodb")


@pytest.mark.parametrize(
    ("fields", "operation", "items"),
    [
        ({"repeat_votes": {"block": "voter"}}, "PutItem", 1),
        ({"repeat_votes": {"block": "none"}}, "PutItem", 1),
        ({"repeat_votes": {"block": "voter_and_ip", "ip_limit": 100}}, "TransactWriteItems", 2),
        ({"repeat_votes": {"block": "voter"}, **WINDOW}, "TransactWriteItems", 3),
        ({"repeat_votes": {"block": "voter_and_ip", "ip_limit": 100}, **WINDOW}, "TransactWriteItems", 4),
    ],
)
def test_a_warm_vote_in_each_mode_is_one_request(client, calls, fields, operation, items):
    poll = create_poll(client, **fields)
    vote(client, poll["id"], ["yes"], new_voter())  # warms the definition and the tallies
    calls.clear()
    assert vote(client, poll["id"], ["no"], new_voter()).status_code == 201
    assert dynamodb_calls(calls) == [operation]
    params = calls.calls[-1].params
    assert (len(params["TransactItems"]) if operation == "TransactWriteItems" else 1) == items


@pytest.mark.parametrize(("fields", "operation"), [({}, "PutItem"), (WINDOW, "TransactWriteItems")])
def test_a_warm_write_in_vote_is_one_request_its_text_on_the_ballot_only(client, calls, fields, operation):
    poll = create_poll(client, write_in=True, max_choices=2, **fields)
    vote(client, poll["id"], ["yes"], new_voter())
    calls.clear()
    assert vote(client, poll["id"], ["no"], new_voter(), other="A ferry").status_code == 201
    assert dynamodb_calls(calls) == [operation]
    params = calls.calls[-1].params
    ballot = params["Item"] if operation == "PutItem" else params["TransactItems"][0]["Put"]["Item"]
    assert ballot["oth"] == {"S": "A ferry"} and ballot["options"]["L"][0] == {"S": "no"}
    assert ballot["options"]["L"][1]["S"].startswith("w_") and ballot["pk"]["S"].startswith("b#")


def test_a_repeat_vote_costs_one_request(client, calls):
    poll = create_poll(client)
    voter = new_voter()
    vote(client, poll["id"], ["yes"], voter)
    calls.clear()
    vote(client, poll["id"], ["yes"], voter)
    assert dynamodb_calls(calls) == ["PutItem"]  # refused by its condition; the old ballot comes back with it


def test_a_cold_results_read_is_one_query_and_a_warm_one_is_free(client, calls):
    poll = create_poll(client)
    vote(client, poll["id"], ["yes"], new_voter())
    folded()
    state.reset_all()  # a fresh Lambda container
    calls.clear()
    assert client.http.get(f"/polls/{poll['id']}/results").json_body["total_voters"] == 1
    assert dynamodb_calls(calls) == ["Query"]
    query = calls.calls[-1].params
    assert query["KeyConditionExpression"] == "id = :id AND part BETWEEN :lo AND :hi"  # definition and tallies
    calls.clear()
    client.http.get(f"/polls/{poll['id']}/results")
    assert dynamodb_calls(calls) == []


def test_a_cold_vote_reads_the_poll_and_its_tallies_once_then_writes_once(client, calls):
    poll = create_poll(client)
    state.reset_all()
    calls.clear()
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    assert dynamodb_calls(calls) == ["Query", "PutItem"]  # the 201's results come from that same read


def dynamodb_writes(calls):
    return [c for c in calls.calls if c.service == "dynamodb"]


def s3_keys(calls, operation="PutObject"):
    return sorted(c.params["Key"] for c in calls.calls if c.service == "s3" and c.operation == operation)


def test_creating_and_closing_a_poll_are_one_write_each_one_audit_entry_and_its_edge_documents(client, calls):
    audit_table = stage_environment("local")["AUDIT_TABLE"]
    calls.clear()
    poll = create_poll(client)
    assert dynamodb_calls(calls) == ["PutItem", "PutItem"]  # the poll, its audit entry; a new poll needs no read
    assert dynamodb_writes(calls)[-1].params["TableName"] == audit_table
    pid = poll["id"]
    edge = [f"p/{pid}", f"polls/{pid}.json", f"r/{pid}", f"results/{pid}/latest.csv", f"results/{pid}/latest.json"]
    assert s3_keys(calls) == edge
    calls.clear()
    patch(client, pid, status="closed")
    # read, one write over its version (votes never touch it), audit; then the edge: the counts and the documents
    assert dynamodb_calls(calls) == ["GetItem", "UpdateItem", "PutItem", "Query"]
    assert dynamodb_writes(calls)[2].params["TableName"] == audit_table
    assert s3_keys(calls) == edge
