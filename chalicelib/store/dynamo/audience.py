"""Audience tallies in DynamoDB, in the polls table but in partitions of their own (never the poll's, whose key
the fold, the publisher and every API container already share; a results read never sees them).

  ("<poll id>#a<bucket>", "u#<inc>#<shard>#<group>")
      one stream shard's audience tally of one group: "c" countries, "s" sites, "f" surfaces, "m<hour>" the voters
      of that hour's minutes; and a mark. The shard picks one of AUDIENCE_BUCKETS partitions, so a viral poll's
      audience writes spread as its stream shards do.

Each is added to on condition that its mark is below the first record of the delta, like a count tally: a record
counts exactly once. They are never sealed: a shard's records of one group fit one item (countries are CloudFront's
codes, surfaces a handful, an hour 60 minutes, and the fold names at most MAX_SITES sites in one), and an editor's
read adds them up.
"""

from __future__ import annotations

import zlib
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core.audience import AUDIENCE_BUCKETS, SEP, Audience
from chalicelib.core.ledger import AudienceDelta, Lane
from chalicelib.core.poll import Poll
from chalicelib.store.dynamo.connection import (
    CONDITION_FAILED,
    batch_delete,
    error_code,
    query_all,
    translated,
    unavailable,
)
from chalicelib.store.dynamo.tables import Tables

MARK, SHARD, INC = "mark", "shard", "inc"


def audience_id(poll_id: str, bucket: int) -> str:
    """Return the partition key of one of a poll's audience buckets ("#" never appears in a poll id)."""
    return f"{poll_id}#a{bucket:02d}"


def audience_key(lane: Lane, group: str) -> dict[str, Any]:
    """Return the key of a lane's audience tally of one group."""
    bucket = zlib.crc32(lane.shard.encode()) % AUDIENCE_BUCKETS
    return {
        "id": {"S": audience_id(lane.poll_id, bucket)},
        "part": {"S": audience_part(lane.incarnation, lane.shard, group)},
    }


def audience_part(incarnation: str, shard: str | None = None, group: str | None = None) -> str:
    """Return the sort key of an audience tally (or, without a shard, the prefix of the incarnation's)."""
    return f"u#{incarnation}#" if shard is None else f"u#{incarnation}#{shard}#{group}"


class AudienceTallies:
    """The AudienceStore port: the fold's conditional adds and the editors' read."""

    tables: Tables

    def add_to_audience(self, lane: Lane, delta: AudienceDelta) -> str | None:
        """Add a delta to a lane's audience tally unless its mark has reached delta.first (one UpdateItem, which
        creates the tally); None when added, else the tally's mark."""
        names: dict[str, str] = {"#mark": MARK, "#shard": SHARD, "#inc": INC}
        values: dict[str, Any] = {
            ":first": {"S": delta.first},
            ":last": {"S": delta.last},
            ":shard": {"S": lane.shard},
            ":inc": {"S": lane.incarnation},
        }
        clauses = []
        for index, (name, n) in enumerate(sorted(delta.adds.items())):
            names[f"#a{index}"], values[f":a{index}"] = name, {"N": str(n)}
            clauses.append(f"#a{index} :a{index}")
        expression = "SET #mark = :last, #shard = :shard, #inc = :inc"
        if clauses:
            expression += " ADD " + ", ".join(clauses)
        try:
            self.tables.client.update_item(
                TableName=self.tables.polls_table,
                Key=audience_key(lane, delta.group),
                UpdateExpression=expression,
                ConditionExpression="attribute_not_exists(#mark) OR #mark < :first",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return None
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise unavailable(exc) from exc
            mark = (exc.response.get("Item") or {}).get(MARK, {}).get("S")
            if mark is None:  # refused without a mark to say why: retry the batch rather than guess
                raise unavailable(exc) from exc
            return str(mark)

    def audience_sites(self, lane: Lane) -> set[str]:
        """Return the sites a lane's site tally names (one strongly consistent GetItem)."""
        with translated():
            found = self.tables.client.get_item(
                TableName=self.tables.polls_table, Key=audience_key(lane, "s"), ConsistentRead=True
            )
        names = (found.get("Item") or {}).keys()
        return {name.split(SEP)[1] for name in names if name.startswith("s" + SEP) and name.count(SEP) == 1}

    def audience(self, poll: Poll) -> Audience:
        """Add up a poll incarnation's audience tallies (a paginated Query of each of its buckets)."""
        audience = Audience()
        for bucket in range(AUDIENCE_BUCKETS):
            items = query_all(
                self.tables.client,
                TableName=self.tables.polls_table,
                KeyConditionExpression="id = :id AND begins_with(part, :prefix)",
                ExpressionAttributeValues={
                    ":id": {"S": audience_id(poll.id, bucket)},
                    ":prefix": {"S": audience_part(poll.incarnation)},
                },
                ConsistentRead=True,
            )
            for item in items:
                audience.add({name: int(value["N"]) for name, value in item.items() if SEP in name and "N" in value})
        return audience

    def delete_audience(self, poll: Poll) -> None:
        """Delete every audience tally of the poll (all its incarnations)."""
        for bucket in range(AUDIENCE_BUCKETS):
            keys = query_all(
                self.tables.client,
                TableName=self.tables.polls_table,
                KeyConditionExpression="id = :id",
                ExpressionAttributeValues={":id": {"S": audience_id(poll.id, bucket)}},
                ProjectionExpression="id, part",
                ConsistentRead=True,
            )
            batch_delete(self.tables.client, self.tables.polls_table, keys)
