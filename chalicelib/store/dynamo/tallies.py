"""Tally items in DynamoDB, beside their poll's definition: the fold's conditional adds, markers and compaction.

  (poll id, "t#<inc>#<key>")     a stream shard's tally: voters, v_<option> counts, mark, at, sealed
  (poll id, "t#<inc>")           the incarnation's base: voters, v_<option>, a_<key> (absorbed mark), d_<key> (dropped)
  (poll id, "x#<inc>#<shard>")   a stream shard's marker: the mark its last sealed tally reached

Counts are top-level attributes, so ADD creates them as needed and nothing has to exist first.
"""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core.counts import Counts
from chalicelib.core.ledger import Base, Delta, Lane, Tally
from chalicelib.store.dynamo.connection import (
    CONDITION_FAILED,
    TRANSACTION_LIMIT,
    Cancelled,
    Transaction,
    error_code,
    transact,
    translated,
    unavailable,
)
from chalicelib.store.dynamo.tables import Tables
from chalicelib.store.port import PollView, TallyState

VOTE, ABSORBED, DROPPED = "v_", "a_", "d_"
MARKER_DAYS = 2  # a stream keeps records 24 hours: after two days no record of a sealed shard can come again


def tally_part(incarnation: str, key: str | None = None) -> str:
    """Return the sort key of a tally (or, without a key, of the base)."""
    return f"t#{incarnation}" if key is None else f"t#{incarnation}#{key}"


def marker_part(incarnation: str, shard: str) -> str:
    """Return the sort key of a stream shard's marker."""
    return f"x#{incarnation}#{shard}"


def counts_of(item: dict[str, Any]) -> Counts:
    votes = {name[len(VOTE) :]: int(value["N"]) for name, value in item.items() if name.startswith(VOTE)}
    return Counts(votes=votes, voters=int(item.get("voters", {}).get("N", "0")))


def read_tallies(items: list[dict[str, Any]], incarnation: str) -> tuple[Base, list[Tally]]:
    """Read the base and the tallies of one incarnation from a Query's raw items (other items are left out)."""
    base = Base()
    tallies: list[Tally] = []
    prefix = tally_part(incarnation)
    for item in items:
        part = item["part"]["S"]
        if part == prefix:
            absorbed = {k[len(ABSORBED) :]: v["S"] for k, v in item.items() if k.startswith(ABSORBED)}
            dropped = {k[len(DROPPED) :]: int(v["N"]) for k, v in item.items() if k.startswith(DROPPED)}
            revision = int(item.get("rev", {}).get("N", "0"))
            base = Base(counts=counts_of(item), absorbed=absorbed, dropped=dropped, revision=revision)
        elif part.startswith(prefix + "#"):
            tallies.append(
                Tally(
                    key=part[len(prefix) + 1 :],
                    shard=item["shard"]["S"],
                    counts=counts_of(item),
                    mark=item["mark"]["S"],
                    at=int(item["at"]["N"]),
                    sealed=bool(item.get("sealed", {}).get("BOOL", False)),
                )
            )
    return base, tallies


def _adds(counts: Counts, names: dict[str, str], values: dict[str, Any], sign: int = 1) -> list[str]:
    """Return ADD clauses for counts (voters and one attribute per option), filling the names and values."""
    clauses = ["#voters :voters"]
    names["#voters"] = "voters"
    values[":voters"] = {"N": str(sign * counts.voters)}
    for index, (option, n) in enumerate(sorted(counts.votes.items())):
        names[f"#o{index}"] = VOTE + option
        values[f":o{index}"] = {"N": str(sign * n)}
        clauses.append(f"#o{index} :o{index}")
    return clauses


class Tallies:
    """The TallyStore port: the fold's adds and creations, each conditional, and the compaction steps."""

    tables: Tables

    def _key(self, poll_id: str, part: str) -> dict[str, Any]:
        return {"id": {"S": poll_id}, "part": {"S": part}}

    def add_to_tally(self, lane: Lane, key: str, delta: Delta) -> TallyState | None:
        """Add a delta to a live tally whose mark is below the delta's first record (one UpdateItem)."""
        names = {"#mark": "mark", "#at": "at", "#sealed": "sealed"}
        values: dict[str, Any] = {":first": {"S": delta.first}, ":last": {"S": delta.last}, ":at": {"N": str(delta.at)}}
        expression = "ADD " + ", ".join(_adds(delta.counts, names, values)) + " SET #mark = :last, #at = :at"
        try:
            self.tables.client.update_item(
                TableName=self.tables.polls_table,
                Key=self._key(lane.poll_id, tally_part(lane.incarnation, key)),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(#mark) AND attribute_not_exists(#sealed) AND #mark < :first",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return None
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise unavailable(exc) from exc
            old = exc.response.get("Item")
            if not old:
                return TallyState(exists=False)
            sealed = bool(old.get("sealed", {}).get("BOOL", False))
            return TallyState(exists=True, sealed=sealed, mark=old.get("mark", {}).get("S"))

    def shard_marker(self, lane: Lane) -> str | None:
        """Return the mark a stream shard's last sealed tally reached (one strongly consistent GetItem)."""
        key = self._key(lane.poll_id, marker_part(lane.incarnation, lane.shard))
        with translated():
            found = self.tables.client.get_item(TableName=self.tables.polls_table, Key=key, ConsistentRead=True)
        item = found.get("Item")
        return None if not item or "sealed" not in item else str(item["sealed"]["S"])

    def create_tally(self, lane: Lane, key: str, delta: Delta, marker: str | None) -> bool:
        """Create a tally if it is absent and the shard's marker is still `marker` (one transaction of two items)."""
        item: dict[str, Any] = {
            **self._key(lane.poll_id, tally_part(lane.incarnation, key)),
            "inc": {"S": lane.incarnation},
            "shard": {"S": lane.shard},
            "mark": {"S": delta.last},
            "at": {"N": str(delta.at)},
            "voters": {"N": str(delta.voters)},
        }
        item.update({VOTE + option: {"N": str(n)} for option, n in delta.votes.items()})
        tx = Transaction()
        tx.add(
            "tally",
            "Put",
            {"TableName": self.tables.polls_table, "Item": item, "ConditionExpression": "attribute_not_exists(part)"},
        )
        check: dict[str, Any] = {
            "TableName": self.tables.polls_table,
            "Key": self._key(lane.poll_id, marker_part(lane.incarnation, lane.shard)),
            "ExpressionAttributeNames": {"#sealed": "sealed"},
        }
        if marker is None:
            check["ConditionExpression"] = "attribute_not_exists(#sealed)"
        else:
            check["ConditionExpression"] = "#sealed = :marker"
            check["ExpressionAttributeValues"] = {":marker": {"S": marker}}
        tx.add("marker", "ConditionCheck", check)
        return self._run(tx)

    def seal(self, view: PollView, tallies: list[Tally]) -> bool:
        """Seal tallies (at most 49), absorb them into the base and raise their shards' markers: one transaction."""
        poll = view.poll
        assert 0 < 2 * len(tallies) + 1 <= TRANSACTION_LIMIT
        tx = Transaction()
        absorbed = Counts()
        names: dict[str, str] = {"#rev": "rev"}
        values: dict[str, Any] = {":one": {"N": "1"}}
        sets = []
        expires = int(time.time()) + MARKER_DAYS * 86400
        for index, tally in enumerate(tallies):
            absorbed.merge(tally.counts.votes, tally.counts.voters)
            tx.add(
                f"tally-{index}",
                "Update",
                {
                    "TableName": self.tables.polls_table,
                    "Key": self._key(poll.id, tally_part(poll.incarnation, tally.key)),
                    "UpdateExpression": "SET #sealed = :true",
                    "ConditionExpression": "#mark = :mark AND attribute_not_exists(#sealed)",
                    "ExpressionAttributeNames": {"#sealed": "sealed", "#mark": "mark"},
                    "ExpressionAttributeValues": {":true": {"BOOL": True}, ":mark": {"S": tally.mark}},
                },
            )
            tx.add(
                f"marker-{index}",
                "Update",
                {
                    "TableName": self.tables.polls_table,
                    "Key": self._key(poll.id, marker_part(poll.incarnation, tally.shard)),
                    "UpdateExpression": "SET #sealed = :mark, #exp = :exp",
                    "ConditionExpression": "attribute_not_exists(#sealed) OR #sealed < :mark",
                    "ExpressionAttributeNames": {"#sealed": "sealed", "#exp": "expires_at"},
                    "ExpressionAttributeValues": {":mark": {"S": tally.mark}, ":exp": {"N": str(expires)}},
                },
            )
            names[f"#a{index}"] = ABSORBED + tally.key
            values[f":a{index}"] = {"S": tally.mark}
            sets.append(f"#a{index} = :a{index}")
        adds = _adds(absorbed, names, values) + ["#rev :one"]
        self._base(tx, view, "ADD " + ", ".join(adds) + " SET " + ", ".join(sets), names, values)
        return self._run(tx)

    def drop(self, view: PollView, tallies: list[Tally], now: int) -> None:
        """Delete sealed, absorbed tallies (at most 49 at once), noting in the base when each went."""
        poll = view.poll
        tx = Transaction()
        names: dict[str, str] = {"#rev": "rev"}
        values: dict[str, Any] = {":one": {"N": "1"}, ":now": {"N": str(now)}}
        for index, tally in enumerate(tallies):
            tx.add(
                f"tally-{index}",
                "Delete",
                {
                    "TableName": self.tables.polls_table,
                    "Key": self._key(poll.id, tally_part(poll.incarnation, tally.key)),
                    "ConditionExpression": "#mark = :mark AND #sealed = :true",
                    "ExpressionAttributeNames": {"#sealed": "sealed", "#mark": "mark"},
                    "ExpressionAttributeValues": {":true": {"BOOL": True}, ":mark": {"S": tally.mark}},
                },
            )
            names[f"#d{index}"] = DROPPED + tally.key
        sets = ", ".join(f"#d{index} = :now" for index in range(len(tallies)))
        self._base(tx, view, f"ADD #rev :one SET {sets}", names, values)
        self._run(tx)

    def forget(self, view: PollView, keys: list[str]) -> None:
        """Let the base forget dropped tallies (one UpdateItem)."""
        names: dict[str, str] = {}
        clauses = []
        for index, key in enumerate(keys):
            names[f"#a{index}"], names[f"#d{index}"] = ABSORBED + key, DROPPED + key
            clauses += [f"#a{index}", f"#d{index}"]
        with translated():
            self.tables.client.update_item(
                TableName=self.tables.polls_table,
                Key=self._key(view.poll.id, tally_part(view.poll.incarnation)),
                UpdateExpression="REMOVE " + ", ".join(clauses),
                ExpressionAttributeNames=names,
            )

    def correct_base(self, view: PollView, correction: Counts) -> bool:
        """Add a correction to the base if the base and every tally are as the view read them: one transaction."""
        poll = view.poll
        if len(view.tallies) + 1 > TRANSACTION_LIMIT:
            return False
        tx = Transaction()
        for index, tally in enumerate(view.tallies):
            tx.add(
                f"tally-{index}",
                "ConditionCheck",
                {
                    "TableName": self.tables.polls_table,
                    "Key": self._key(poll.id, tally_part(poll.incarnation, tally.key)),
                    "ConditionExpression": "#mark = :mark",
                    "ExpressionAttributeNames": {"#mark": "mark"},
                    "ExpressionAttributeValues": {":mark": {"S": tally.mark}},
                },
            )
        names: dict[str, str] = {"#rev": "rev"}
        values: dict[str, Any] = {":one": {"N": "1"}, ":rev": {"N": str(view.base.revision)}, ":zero": {"N": "0"}}
        body = "ADD " + ", ".join([*_adds(correction, names, values), "#rev :one"])
        condition = "(attribute_not_exists(#rev) AND :rev = :zero) OR #rev = :rev"
        self._base(tx, view, body, names, values, condition=condition)
        return self._run(tx)

    def _base(
        self,
        tx: Transaction,
        view: PollView,
        expression: str,
        names: dict[str, str],
        values: dict[str, Any],
        *,
        condition: str | None = None,
    ) -> None:
        """Add the base's update to a transaction (ADD creates the base and its counts as needed)."""
        body: dict[str, Any] = {
            "TableName": self.tables.polls_table,
            "Key": self._key(view.poll.id, tally_part(view.poll.incarnation)),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if condition:
            body["ConditionExpression"] = condition
        tx.add("base", "Update", body)

    def _run(self, tx: Transaction) -> bool:
        """Run a transaction: True if it committed, False if a condition or another writer stopped it."""
        try:
            transact(self.tables.client, tx)
            return True
        except Cancelled:
            return False
        except ClientError as exc:
            raise unavailable(exc) from exc
