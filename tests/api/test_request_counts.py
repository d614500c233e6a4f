"""The write and read paths cost what the design promises, counted with a botocore event hook."""

from __future__ import annotations

from chalicelib.runtime import state
from local.stack import stage_environment
from tests.helpers import create_poll, new_voter, vote


def dynamodb_calls(calls):
    return calls.operations("dynamodb")


def test_a_warm_vote_is_exactly_one_transact_write(client, calls):
    poll = create_poll(client)
    vote(client, poll["id"], ["yes"], new_voter())  # warms the definition and the tally
    calls.clear()
    assert vote(client, poll["id"], ["no"], new_voter()).status_code == 201
    assert dynamodb_calls(calls) == ["TransactWriteItems"]


def test_a_warm_vote_in_each_blocking_mode_is_one_request(client, calls):
    for block in ("voter", "voter_and_ip", "none"):
        poll = create_poll(client, repeat_votes={"block": block, "ip_limit": 100})
        vote(client, poll["id"], ["yes"], new_voter())
        calls.clear()
        assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
        assert dynamodb_calls(calls) == ["TransactWriteItems"], block
        items = calls.calls[-1].params["TransactItems"]
        assert len(items) == {"voter": 2, "voter_and_ip": 3, "none": 1}[block]


def test_a_repeat_vote_costs_one_request(client, calls):
    poll = create_poll(client)
    voter = new_voter()
    vote(client, poll["id"], ["yes"], voter)
    calls.clear()
    vote(client, poll["id"], ["yes"], voter)
    assert dynamodb_calls(calls) == ["TransactWriteItems"]


def test_a_cold_results_read_is_one_batch_get_and_a_warm_one_is_free(client, calls):
    poll = create_poll(client)
    vote(client, poll["id"], ["yes"], new_voter())
    state.reset_all()  # a fresh Lambda container
    calls.clear()
    assert client.http.get(f"/polls/{poll['id']}/results").json_body["total_voters"] == 1
    assert dynamodb_calls(calls) == ["BatchGetItem"]
    keys = calls.calls[-1].params["RequestItems"]
    assert sum(len(t["Keys"]) for t in keys.values()) == 11  # the poll item rides with its 10 shards
    calls.clear()
    client.http.get(f"/polls/{poll['id']}/results")
    assert dynamodb_calls(calls) == []


def test_a_cold_read_of_a_poll_with_more_shards_than_guessed_reads_the_rest_once(client, calls):
    poll = create_poll(client, shards=30)
    vote(client, poll["id"], ["yes"], new_voter())
    state.reset_all()
    calls.clear()
    assert client.http.get(f"/polls/{poll['id']}/results").json_body["total_voters"] == 1
    assert dynamodb_calls(calls) == ["BatchGetItem", "BatchGetItem"]
    calls.clear()
    state.reset_all()
    client.http.get(f"/polls/{poll['id']}")  # the widget reads the poll first: now the count is known
    calls.clear()
    client.http.get(f"/polls/{poll['id']}/results")
    assert dynamodb_calls(calls) == ["BatchGetItem"]


def test_a_cold_vote_reads_the_definition_then_writes_once(client, calls):
    poll = create_poll(client)
    state.reset_all()
    calls.clear()
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    assert dynamodb_calls(calls) == ["GetItem", "TransactWriteItems", "BatchGetItem"]


def dynamodb_writes(calls):
    return [c for c in calls.calls if c.service == "dynamodb"]


def s3_keys(calls, operation="PutObject"):
    return sorted(c.params["Key"] for c in calls.calls if c.service == "s3" and c.operation == operation)


def test_creating_and_closing_a_poll_are_one_transaction_each_one_audit_entry_and_its_edge_documents(client, calls):
    audit_table = stage_environment("local")["AUDIT_TABLE"]
    calls.clear()
    poll = create_poll(client, shards=20)
    assert dynamodb_calls(calls) == ["TransactWriteItems", "PutItem"]  # a new poll's results need no read
    assert len(calls.calls[0].params["TransactItems"]) == 21
    assert dynamodb_writes(calls)[-1].params["TableName"] == audit_table
    pid = poll["id"]
    edge = [f"p/{pid}", f"polls/{pid}.json", f"results/{pid}/latest.csv", f"results/{pid}/latest.json"]
    assert s3_keys(calls) == edge
    from tests.helpers import patch

    calls.clear()
    patch(client, pid, status="closed")
    # read, write, audit; then the edge: the counts (one batch for 20 shards) and the same four documents
    assert dynamodb_calls(calls) == ["GetItem", "TransactWriteItems", "PutItem", "BatchGetItem"]
    assert dynamodb_writes(calls)[2].params["TableName"] == audit_table
    assert s3_keys(calls) == edge
