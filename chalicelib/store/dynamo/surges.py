"""Surges in DynamoDB, in the polls table: the fold's votes per minute per network and block, and the surges.

("<poll id>#v<partition>", "v#<inc>#<minute>#<shard tag>#<bucket>")
    one stream shard's votes of one minute (epoch minutes, 10 digits) in a poll whose keys fall in one of
    RATE_BUCKETS: counters "n.<AS number>" and "b.<block hash>". Apart from the poll's partition (which the API's
    reads and the publisher share), in one of RATE_PARTITIONS picked by the shard (as the audience's), so a viral
    poll's many shards spread their writes; per shard, so each item holds what one shard saw (small: an update is
    charged on the item's size); the buckets keep it under 400 KB. Expire (TTL) once past the rule.
("<poll id>", "poll~s#<kind>#<key>")
    a surge: level, since, until, the votes that raised it, who lifted it. In the poll's partition between the
    definition and the published summary, so the catalog's one Query of the poll carries them to every challenge
    and vote at no extra request; written a few times a surge.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core.poll import Poll
from chalicelib.core.surges import Surge, SurgeKind
from chalicelib.store.dynamo.connection import CONDITION_FAILED, error_code, query_all, translated, unavailable
from chalicelib.store.dynamo.models import DEFINITION
from chalicelib.store.dynamo.tables import Tables

RATE_BUCKETS = 4
RATE_PARTITIONS = 4  # the rule reads a poll's counters with one Query of each
MAX_NAMES = 100  # counters one UpdateItem adds to: its expression stays well under DynamoDB's 4 KB
SURGE_PREFIX = DEFINITION + "~s#"  # sorts after the definition and before its summary ("poll~sum")
PREFIXES = {SurgeKind.NETWORK: "n.", SurgeKind.BLOCK: "b."}


def rate_bucket(name: str) -> int:
    """Return the bucket a counter's name falls in."""
    return zlib.crc32(name.encode()) % RATE_BUCKETS


def counter_name(kind: SurgeKind, key: str) -> str:
    """Return a key's counter name in a minute's items ("n.64500", "b.<hash>")."""
    return PREFIXES[kind] + key


def _rate_key(poll: Poll, shard: str, minute: int, bucket: int) -> dict[str, Any]:
    """Return the key of a shard's counters of one minute and bucket in a poll."""
    tag = zlib.crc32(shard.encode())
    return {
        "id": {"S": f"{poll.id}#v{tag % RATE_PARTITIONS}"},
        "part": {"S": f"v#{poll.incarnation}#{minute // 60:010d}#{tag:08x}#{bucket}"},
    }


def _kind_of(name: str) -> tuple[SurgeKind, str] | None:
    """Read a counter name back (None: not a counter)."""
    for kind, prefix in PREFIXES.items():
        if name.startswith(prefix):
            return kind, name[len(prefix) :]
    return None


def surge_from_item(item: dict[str, Any]) -> Surge:
    """Turn a stored surge into the domain's Surge."""
    kind, _, key = item["part"]["S"][len(SURGE_PREFIX) :].partition("#")
    number = {name: int(item[name]["N"]) for name in ("level", "since", "until", "recent", "trailing") if name in item}
    return Surge(
        kind=SurgeKind(kind),
        key=key,
        level=number.get("level", 0),
        since=number.get("since", 0),
        until=number.get("until", 0),
        recent=number.get("recent", 0),
        trailing=number.get("trailing", 0),
        lifted_by=item["lifted_by"]["S"] if "lifted_by" in item else None,
    )


def surges_of(items: Iterable[dict[str, Any]], incarnation: str) -> tuple[Surge, ...]:
    """Return the surges of one incarnation among a Query's raw items of a poll's partition."""
    return tuple(
        surge_from_item(item)
        for item in items
        if item["part"]["S"].startswith(SURGE_PREFIX) and item.get("inc", {}).get("S") == incarnation
    )


class Surges:
    """The SurgeStore port: the fold's counters, the rule's surges, the editors' lifts."""

    tables: Tables

    def add_to_rates(
        self, poll: Poll, shard: str, minute: int, adds: dict[tuple[SurgeKind, str], int], expires_at: int
    ) -> None:
        """Add a shard's votes to a poll's minute counters (an UpdateItem per bucket and run of MAX_NAMES; it
        creates them)."""
        by_bucket: dict[int, list[tuple[str, int]]] = {}
        for (kind, key), n in sorted(adds.items()):
            name = counter_name(kind, key)
            by_bucket.setdefault(rate_bucket(name), []).append((name, n))
        for bucket, counters in sorted(by_bucket.items()):
            for start in range(0, len(counters), MAX_NAMES):
                item_key = _rate_key(poll, shard, minute, bucket)
                self._add(item_key, counters[start : start + MAX_NAMES], expires_at)

    def _add(self, key: dict[str, Any], counters: list[tuple[str, int]], expires_at: int) -> None:
        names = {f"#c{i}": name for i, (name, _) in enumerate(counters)}
        values: dict[str, Any] = {f":c{i}": {"N": str(n)} for i, (_, n) in enumerate(counters)}
        values[":exp"] = {"N": str(expires_at)}
        with translated():
            self.tables.client.update_item(
                TableName=self.tables.polls_table,
                Key=key,
                UpdateExpression="SET expires_at = :exp ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(counters))),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )

    def rates(self, poll: Poll, since: int) -> dict[tuple[SurgeKind, str], dict[int, int]]:
        """Return a poll's votes per key per minute (epoch seconds) from `since` on (a paginated Query of each of its
        RATE_PARTITIONS)."""
        prefix = f"v#{poll.incarnation}#"
        items: list[dict[str, Any]] = []
        for partition in range(RATE_PARTITIONS):
            items += query_all(
                self.tables.client,
                TableName=self.tables.polls_table,
                KeyConditionExpression="id = :id AND part BETWEEN :lo AND :hi",
                ExpressionAttributeValues={
                    ":id": {"S": f"{poll.id}#v{partition}"},
                    ":lo": {"S": f"{prefix}{since // 60:010d}"},
                    ":hi": {"S": f"{prefix}~"},
                },
            )
        found: dict[tuple[SurgeKind, str], dict[int, int]] = {}
        for item in items:
            minute = int(item["part"]["S"].split("#")[2]) * 60
            for name, value in item.items():
                known = _kind_of(name)
                if known is not None and "N" in value:
                    per_minute = found.setdefault(known, {})
                    per_minute[minute] = per_minute.get(minute, 0) + int(value["N"])
        return found

    def surges(self, poll: Poll) -> list[Surge]:
        """Return the poll's stored surges (one strongly consistent Query)."""
        items = query_all(
            self.tables.client,
            TableName=self.tables.polls_table,
            KeyConditionExpression="id = :id AND begins_with(part, :prefix)",
            ExpressionAttributeValues={":id": {"S": poll.id}, ":prefix": {"S": SURGE_PREFIX}},
            ConsistentRead=True,
        )
        return list(surges_of(items, poll.incarnation))

    def put_surge(self, poll: Poll, surge: Surge, previous: Surge | None) -> bool:
        """Store a surge over the one read (conditional PutItem); False if it changed meanwhile."""
        item: dict[str, Any] = {
            "id": {"S": poll.id},
            "part": {"S": f"{SURGE_PREFIX}{surge.kind.value}#{surge.key}"},
            "inc": {"S": poll.incarnation},
            **{name: {"N": str(getattr(surge, name))} for name in ("level", "since", "until", "recent", "trailing")},
        }
        if surge.lifted_by is not None:
            item["lifted_by"] = {"S": surge.lifted_by}
        return self._conditional("put_item", {"Item": item}, previous)

    def delete_surge(self, poll: Poll, surge: Surge) -> bool:
        """Delete a surge unless it changed since read (conditional DeleteItem); False if it did."""
        key = {"id": {"S": poll.id}, "part": {"S": f"{SURGE_PREFIX}{surge.kind.value}#{surge.key}"}}
        return self._conditional("delete_item", {"Key": key}, surge)

    def _conditional(self, operation: str, arguments: dict[str, Any], previous: Surge | None) -> bool:
        if previous is None:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(part)"}
        else:
            condition = {
                "ConditionExpression": "#until = :until AND #level = :level",
                "ExpressionAttributeNames": {"#until": "until", "#level": "level"},
                "ExpressionAttributeValues": {
                    ":until": {"N": str(previous.until)},
                    ":level": {"N": str(previous.level)},
                },
            }
        try:
            getattr(self.tables.client, operation)(TableName=self.tables.polls_table, **arguments, **condition)
            return True
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                return False
            raise unavailable(exc) from exc
