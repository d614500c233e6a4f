"""Two vote-counting designs peers use, as small boto3 code against the same (moto) DynamoDB.

Each design has `read(poll_id, voter)` (what it reads before writing, if anything), `write(...)`
(its writes), `vote(...)` (read then write, as one request would) and `counted(poll_id)`. The split
into read and write lets a benchmark interleave two requests' steps deterministically.
"""

from __future__ import annotations

from typing import Any

import boto3

COUNTS_TABLE = "bench-baseline-counts"
BALLOTS_TABLE = "bench-baseline-ballots"
REGION = "us-east-1"


def dynamodb() -> Any:
    """A plain boto3 DynamoDB client (the baselines' only dependency)."""
    return boto3.client("dynamodb", region_name=REGION)


def ensure_tables(client: Any) -> None:
    """Create the baselines' two on-demand tables if they are missing."""
    existing = set(client.list_tables()["TableNames"])
    for table in (COUNTS_TABLE, BALLOTS_TABLE):
        if table not in existing:
            client.create_table(
                TableName=table,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )


def add_votes(client: Any, poll_id: str, options: list[str]) -> None:
    """One UpdateItem ADD per chosen option on the option's counter item."""
    for option in options:
        client.update_item(
            TableName=COUNTS_TABLE,
            Key={"pk": {"S": f"{poll_id}#{option}"}},
            UpdateExpression="ADD votes :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )


def counted(client: Any, poll_id: str, options: list[str]) -> int:
    """Sum the option counters of a poll (eventually consistent is fine after the fact)."""
    total = 0
    for option in options:
        item = client.get_item(TableName=COUNTS_TABLE, Key={"pk": {"S": f"{poll_id}#{option}"}}, ConsistentRead=True)
        total += int(item.get("Item", {}).get("votes", {}).get("N", "0"))
    return total
