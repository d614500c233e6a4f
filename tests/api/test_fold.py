"""The fold on moto's stream: every ballot change counted exactly once, however Lambda redelivers a batch."""

from __future__ import annotations

import json

import boto3
import pytest

from chalicelib.core.errors import ServiceUnavailable
from chalicelib.runtime import clock
from chalicelib.runtime.settings import get_settings
from chalicelib.services import fold, snapshots, upkeep
from chalicelib.store import adapters
from local.streams import stream_batches
from tests.helpers import UNPROTECTED, aws_error, create_poll, folded, new_voter, vote

ROLLED_OVER = "shardId-00000001800000000000-rolledover"


def ballot_events() -> list[dict]:
    """What the ballots table's stream holds that was not read before, one event per stream shard."""
    return stream_batches(get_settings().ballots_table)


def counted(poll_id: str) -> int:
    """The poll's voters as its tallies hold them (strongly consistent: what the fold applied)."""
    return adapters.store().read_view(poll_id, consistent=True).counts.voters


def cast(client, poll_id: str, count: int) -> None:
    for _ in range(count):
        assert vote(client, poll_id, ["yes"], new_voter()).status_code == 201


def test_a_batch_delivered_again_whole_is_applied_once(client):
    poll = create_poll(client)
    cast(client, poll["id"], 5)
    (event,) = ballot_events()
    assert fold.fold(event).applied == 5
    fold.reset()  # a fresh container: what is applied is known from the tally's mark alone
    again = fold.fold(event)
    assert (again.applied, again.already) == (0, 5)
    assert counted(poll["id"]) == 5


def test_each_half_of_a_bisected_batch_is_applied_once_whichever_half_had_been_applied(client):
    poll = create_poll(client)
    cast(client, poll["id"], 10)
    (event,) = ballot_events()
    first, second = dict(event, Records=event["Records"][:5]), dict(event, Records=event["Records"][5:])
    for delivery in (first, event, first, second):
        fold.fold(delivery)
    assert counted(poll["id"]) == 10


def test_a_batch_that_failed_between_two_polls_is_applied_once_for_each_when_redelivered(client, faults):
    one, two = create_poll(client, id="poll-one"), create_poll(client, id="poll-two")
    cast(client, one["id"], 3)
    cast(client, two["id"], 4)
    (event,) = ballot_events()
    refused = aws_error("InternalServerError", 500)

    def on_poll_two(params):
        """The first poll's tally is written; any write of the second's fails (as if the function died there)."""
        return refused(params) if "poll-two" in json.dumps(params, default=str) else None

    for operation in ("UpdateItem", "TransactWriteItems"):
        faults.add(operation, on_poll_two, times=5)
    with pytest.raises(ServiceUnavailable):  # the batch fails, so Lambda delivers it again
        fold.fold(event)
    faults.clear()
    assert (counted(one["id"]), counted(two["id"])) == (3, 0)
    fold.reset()
    report = fold.fold(event)  # Lambda's retry of the whole batch
    assert (report.applied, report.already) == (4, 3)
    assert (counted(one["id"]), counted(two["id"])) == (3, 4)


def test_a_void_takes_votes_off_but_an_expiry_by_ttl_changes_no_count(client):
    poll = create_poll(client)
    cast(client, poll["id"], 3)
    folded()
    table = get_settings().ballots_table
    dynamodb = boto3.client("dynamodb")
    keys = [i["pk"]["S"] for i in dynamodb.scan(TableName=table)["Items"] if i["poll"]["S"] == poll["id"]]
    voided, expired, deleted = keys
    assert adapters.store().void_ballot(voided, "void-1", int(clock.now()))
    dynamodb.delete_item(TableName=table, Key={"pk": {"S": expired}})
    dynamodb.delete_item(TableName=table, Key={"pk": {"S": deleted}})
    (event,) = ballot_events()
    for record in event["Records"]:  # DynamoDB's TTL deletion is told by its userIdentity
        if record["eventName"] == "REMOVE" and record["dynamodb"]["Keys"]["pk"] == {"S": expired}:
            record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    fold.fold(event)
    assert counted(poll["id"]) == 3 - 1 - 1  # the void and the deletion by hand; the expiry keeps its vote


def test_a_rolled_over_stream_shard_gets_its_own_tally_then_the_snapshot_job_compacts_it_into_the_base(
    client, monkeypatch
):
    poll = create_poll(client, **UNPROTECTED)
    cast(client, poll["id"], 3)
    (first,) = ballot_events()
    fold.fold(first)
    cast(client, poll["id"], 2)
    (second,) = ballot_events()
    fold.fold(dict(second, shardId=ROLLED_OVER))  # the ballots' partition's stream rolled over to a new shard
    view = adapters.store().read_view(poll["id"], consistent=True)
    assert (len(view.tallies), view.counts.voters) == (2, 5)
    assert vote(client, poll["id"], ["no"], new_voter()).status_code == 201  # keeps the new shard busy
    (third,) = ballot_events()
    fold.fold(dict(third, shardId=ROLLED_OVER))
    now = clock.now()
    steps = []
    for _ in range(3):
        now += max(upkeep.COMPACT_IDLE_SECONDS, upkeep.FORGET_SECONDS) + 1
        monkeypatch.setattr(clock, "now", lambda at=now: at)
        snapshots.run()
        view = adapters.store().read_view(poll["id"], consistent=True)
        steps.append((len(view.tallies), view.counts.voters))
    assert steps[0] == (2, 6)  # the idle first shard's tally sealed into the base, still counted once
    assert steps[-1] == (0, 6)  # every idle tally compacted: the poll's partition holds its base alone
    assert counted(poll["id"]) == 6
