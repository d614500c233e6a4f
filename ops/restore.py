"""Copy one poll's items back from tables restored with point-in-time recovery (docs/operations.md).

    python -m ops.restore <poll_id> --stage prod --suffix restored-0101 [--tables ballots ...] [--write]

For each chosen table of the stage (`polls-v2-prod`, `poll-ballots-v2-prod`), reads the poll's items from
`<table>-<suffix>` (the restored copy) and, with --write, puts them into the live table, overwriting items
with the same key. Without --write it only counts what it would copy.

The poll's items: in polls, its definition, void records and write-in answers (`id` = the poll; the answers
carry the editors' decisions and say which answers the poll keeps, with its count of places; its tallies, markers
and summary are derived from the ballots and are not copied); in ballots, every ballot whose `poll` is the poll.
A copied ballot reaches the ballots' stream like any write, so the fold counts a ballot that was missing and
changes nothing for one that was already there. Guard items (address windows, spent proofs) only enforce
limits and expire: they are not copied. The restored tables are read with a Scan (a one-off). Then close the
poll and recount it with {"fix": true}: see docs/operations.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from infra.functions import stage_environment

TABLES = {"polls": "POLLS_TABLE", "ballots": "BALLOTS_TABLE"}
# How each table's items of one poll are found: (attribute, filter), and which of them are copied.
SELECTORS = {"polls": "id", "ballots": "poll"}
BATCH = 25  # BatchWriteItem's limit


def _copied(part: str) -> bool:
    """Tell the poll partition's items to copy: its definition, void records and write-in answers and places (the
    rest is derived)."""
    return part == "poll" or part.startswith(("v#", "w#", "wn#"))


def poll_items(dynamodb: Any, table: str, kind: str, poll_id: str) -> list[dict[str, Any]]:
    """Scan a (restored) table for one poll's items to copy, in DynamoDB's wire format."""
    kwargs: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "#a = :v",
        "ExpressionAttributeNames": {"#a": SELECTORS[kind]},
        "ExpressionAttributeValues": {":v": {"S": poll_id}},
        "ConsistentRead": True,
    }
    items: list[dict[str, Any]] = []
    while True:
        page = dynamodb.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    if kind == "polls":
        items = [item for item in items if _copied(item["part"]["S"])]
    return items


def put_items(dynamodb: Any, table: str, items: list[dict[str, Any]]) -> None:
    """Put items into a table in batches, retrying what DynamoDB leaves unprocessed."""
    for start in range(0, len(items), BATCH):
        pending: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items[start : start + BATCH]]}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def copy_poll(poll_id: str, stage: str, suffix: str, kinds: list[str], write: bool) -> dict[str, int]:
    """Copy (or, without write, count) a poll's items from each restored table into the live one."""
    import boto3  # noqa: PLC0415

    dynamodb = boto3.client("dynamodb")
    env = {**stage_environment(stage), **{k: v for k, v in os.environ.items() if k in TABLES.values()}}
    copied = {}
    for kind in kinds:
        live = env[TABLES[kind]]
        items = poll_items(dynamodb, f"{live}-{suffix}", kind, poll_id)
        if write:
            put_items(dynamodb, live, items)
        copied[live] = len(items)
    return copied


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("poll_id")
    parser.add_argument("--stage", required=True, choices=["local", "dev", "prod"])
    parser.add_argument("--suffix", required=True, help="the restored tables are named <table>-<suffix>")
    parser.add_argument("--tables", nargs="+", choices=list(TABLES), default=list(TABLES))
    parser.add_argument("--write", action="store_true", help="put the items into the live tables")
    args = parser.parse_args(argv)
    copied = copy_poll(args.poll_id, args.stage, args.suffix, args.tables, args.write)
    verb = "copied" if args.write else "would copy (add --write to copy)"
    for table, count in copied.items():
        print(f"{table}: {verb} {count} items of poll {args.poll_id} from {table}-{args.suffix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
