"""The restore runbook: a poll's items come back from restored tables; a recount then repairs its counters."""

from __future__ import annotations

import boto3
import pytest

from ops import restore
from tests.conftest import ADMIN
from tests.helpers import create_poll, new_voter, patch, vote

TABLES = {"polls": "polls-local", "counters": "poll-counters-local", "ballots": "poll-ballots-local"}


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
    return [item for item in items if item.get("slot", {}).get("S", "").startswith(f"{poll_id}/")]


def test_a_polls_lost_ballots_come_back_from_the_restored_table_and_a_recount_fixes_its_counters(client):
    poll = create_poll(client)
    other = create_poll(client)
    for option in ("yes", "yes", "no"):
        assert vote(client, poll["id"], [option], new_voter()).status_code == 201
    assert vote(client, other["id"], ["yes"], new_voter()).status_code == 201
    for name in TABLES.values():
        restored_copy(name, "restored")
    for item in poll_ballots(poll["id"]):  # the incident: the poll's ballots are lost
        boto3.client("dynamodb").delete_item(TableName=TABLES["ballots"], Key={"pk": item["pk"]})

    counted = restore.copy_poll(poll["id"], "local", "restored", ["ballots"], write=False)
    assert counted == {TABLES["ballots"]: 3}
    assert poll_ballots(poll["id"]) == []  # counting writes nothing
    assert restore.copy_poll(poll["id"], "local", "restored", ["ballots"], write=True) == counted
    assert len(poll_ballots(poll["id"])) == 3

    assert patch(client, poll["id"], status="closed").status_code == 200
    report = client.http.post(f"/polls/{poll['id']}/recount", headers=ADMIN, body='{"fix": true}').json_body
    assert report["ballots"]["total_voters"] == 3
    assert report["drift"]["total_voters"] == 0


@pytest.mark.parametrize(("kind", "count"), [("polls", 1), ("counters", 10), ("ballots", 2)])
def test_only_the_chosen_polls_items_are_copied(client, kind, count):
    poll = create_poll(client)
    other = create_poll(client)
    for _ in range(2):
        assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    assert vote(client, other["id"], ["yes"], new_voter()).status_code == 201
    restored_copy(TABLES[kind], "r1")
    assert restore.copy_poll(poll["id"], "local", "r1", [kind], write=False) == {TABLES[kind]: count}
