"""The restore runbook: a poll's ballots come back from restored tables, and the fold counts them again."""

from __future__ import annotations

import boto3
import pytest

from ops import restore
from tests.helpers import api, create_poll, folded, new_voter, vote

TABLES = {"polls": "polls-v2-local", "ballots": "poll-ballots-v2-local"}


def restored_copy(name: str, suffix: str) -> None:
    """Stand in for restore-table-to-point-in-time: a new table with the live one's items as they are now."""
    client = boto3.client("dynamodb")
    description = client.describe_table(TableName=name)["Table"]
    spec = {
        "TableName": f"{name}-{suffix}",
        "KeySchema": description["KeySchema"],
        "AttributeDefinitions": description["AttributeDefinitions"],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if description.get("GlobalSecondaryIndexes"):
        spec["GlobalSecondaryIndexes"] = [
            {"IndexName": i["IndexName"], "KeySchema": i["KeySchema"], "Projection": i["Projection"]}
            for i in description["GlobalSecondaryIndexes"]
        ]
    client.create_table(**spec)
    for item in client.scan(TableName=name)["Items"]:
        client.put_item(TableName=f"{name}-{suffix}", Item=item)


def poll_ballots(poll_id: str) -> list[dict]:
    items = boto3.client("dynamodb").scan(TableName=TABLES["ballots"])["Items"]
    return [item for item in items if item.get("poll", {}).get("S") == poll_id]


def voters(client, poll_id: str) -> int:
    return api(client).results(poll_id).expect(200)["total_voters"]


def test_a_polls_lost_ballots_come_back_from_the_restored_table_and_the_fold_counts_them_again(client):
    poll = create_poll(client)
    other = create_poll(client)
    for option in ("yes", "yes", "no"):
        assert vote(client, poll["id"], [option], new_voter()).status_code == 201
    assert vote(client, other["id"], ["yes"], new_voter()).status_code == 201
    folded()
    for name in TABLES.values():
        restored_copy(name, "restored")
    for item in poll_ballots(poll["id"]):  # the incident: the poll's ballots are deleted
        boto3.client("dynamodb").delete_item(TableName=TABLES["ballots"], Key={"pk": item["pk"]})
    folded()
    assert voters(client, poll["id"]) == 0  # a deleted ballot is taken off the tallies

    counted = restore.copy_poll(poll["id"], "local", "restored", ["ballots"], write=False)
    assert counted == {TABLES["ballots"]: 3}
    assert poll_ballots(poll["id"]) == []  # counting writes nothing
    assert restore.copy_poll(poll["id"], "local", "restored", ["ballots"], write=True) == counted
    assert len(poll_ballots(poll["id"])) == 3
    folded()
    assert voters(client, poll["id"]) == 3
    assert voters(client, other["id"]) == 1
    report = api(client).recount(poll["id"]).expect(200)
    assert report["drift"]["total_voters"] == 0


def test_copying_ballots_that_are_still_there_changes_no_count(client):
    poll = create_poll(client)
    for _ in range(2):
        assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    folded()
    restored_copy(TABLES["ballots"], "r0")
    restore.copy_poll(poll["id"], "local", "r0", ["ballots"], write=True)
    folded()
    assert voters(client, poll["id"]) == 2


@pytest.mark.parametrize(("kind", "count"), [("polls", 1), ("ballots", 2)])
def test_only_the_chosen_polls_own_items_are_copied_never_its_derived_tallies(client, kind, count):
    poll = create_poll(client)
    other = create_poll(client)
    for _ in range(2):
        assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    assert vote(client, other["id"], ["yes"], new_voter()).status_code == 201
    folded()  # the poll's partition now holds tallies and a summary besides its definition
    restored_copy(TABLES[kind], "r1")
    assert restore.copy_poll(poll["id"], "local", "r1", [kind], write=False) == {TABLES[kind]: count}


def test_a_write_in_polls_answers_and_their_places_are_copied_with_its_definition(client):
    poll = create_poll(client, write_in=True)
    assert vote(client, poll["id"], [], new_voter(), other="A ferry").status_code == 201
    folded()  # the answer's item (and the editors' decisions it will carry) and the poll's count of places
    restored_copy(TABLES["polls"], "r2")
    assert restore.copy_poll(poll["id"], "local", "r2", ["polls"], write=False) == {TABLES["polls"]: 3}
