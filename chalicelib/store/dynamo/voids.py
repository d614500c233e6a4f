"""Void records in DynamoDB, under their poll's partition key ("v#<void id>"): what each void asked and marked."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.core.forensics import VoidRecord, VoidRequest
from chalicelib.core.poll import Poll
from chalicelib.store.dynamo.connection import query_all, translated
from chalicelib.store.dynamo.tables import Tables

PREFIX = "v#"


def _item(poll: Poll, record: VoidRecord) -> dict[str, Any]:
    """Return a void record as a DynamoDB item."""
    request = record.request
    item: dict[str, Any] = {
        "id": {"S": poll.id},
        "part": {"S": PREFIX + record.id},
        "inc": {"S": poll.incarnation},
        "source": {"S": request.source},
        "by": {"S": request.by},
        "reason": {"S": request.reason},
        "voided": {"N": str(record.voided)},
        "counts": {"S": json.dumps(record.options, sort_keys=True)},
        "at": {"N": str(record.at)},
        "complete": {"BOOL": record.complete},
        "bucket": {"N": str(record.bucket)},
    }
    for name, value in (("start", request.start), ("end", request.end)):
        if value is not None:
            item[name] = {"N": str(value)}
    if record.cursor is not None:
        item["cursor"] = {"S": json.dumps(record.cursor)}
    if record.actor is not None:
        item["actor"] = {"S": json.dumps(record.actor)}
    return item


def _record(item: dict[str, Any]) -> VoidRecord:
    """Read a void record from its item."""

    def number(name: str) -> int | None:
        return int(item[name]["N"]) if name in item else None

    request = VoidRequest(
        source=item["source"]["S"],
        start=number("start"),
        end=number("end"),
        reason=item["reason"]["S"],
        by=item.get("by", {}).get("S", "source"),
    )
    return VoidRecord(
        id=item["part"]["S"][len(PREFIX) :],
        request=request,
        voided=int(item["voided"]["N"]),
        options={k: int(v) for k, v in json.loads(item["counts"]["S"]).items()},
        at=int(item["at"]["N"]),
        complete=bool(item["complete"]["BOOL"]),
        bucket=int(item["bucket"]["N"]),
        cursor=json.loads(item["cursor"]["S"]) if "cursor" in item else None,
        actor=json.loads(item["actor"]["S"]) if "actor" in item else None,
    )


class Voids:
    """The BallotStore port's void records."""

    tables: Tables

    def save_void(self, poll: Poll, record: VoidRecord) -> None:
        """Store a void record as it now stands (one PutItem)."""
        with translated():
            self.tables.client.put_item(TableName=self.tables.polls_table, Item=_item(poll, record))

    def voids(self, poll: Poll) -> list[VoidRecord]:
        """Return the poll incarnation's void records, oldest first (one Query of its partition)."""
        items = query_all(
            self.tables.client,
            TableName=self.tables.polls_table,
            KeyConditionExpression="id = :id AND begins_with(part, :prefix)",
            ExpressionAttributeValues={":id": {"S": poll.id}, ":prefix": {"S": PREFIX}},
            ConsistentRead=True,
        )
        records = [_record(item) for item in items if item.get("inc", {}).get("S") == poll.incarnation]
        return sorted(records, key=lambda r: (r.at, r.id))
