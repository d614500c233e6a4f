"""Write-in answers in DynamoDB, beside their poll's definition (outside its results read, "poll" to "t~"):

  (poll id, "w#<inc>#<answer id>")   text (the first spelling folded), first, last, sp (a capped string set of
                                     spellings); dec, into, label (an editor's decision)
  (poll id, "wn#<inc>")              n: the answers the incarnation has made room for (at most its limit)

The fold's writes are idempotent: first and last only move outwards, spellings are added to a set under a size
condition, so a redelivered batch changes nothing. Counts are the tallies' (the answer id is counted like an option).
A new answer's item is made in one transaction with taking a place under the limit, so an answer is kept exactly
when its item exists: two folds meeting one new answer at once make it once (the second finds it made, and keeps
it too), and once the places are taken no new answer can ever be kept (until the limit is raised).
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.poll import Poll
from chalicelib.core.write_in_sightings import Sighting
from chalicelib.core.write_ins import MAX_SPELLINGS, Answer, AnswerStatus
from chalicelib.store.dynamo.connection import (
    CONDITION_FAILED,
    Cancelled,
    Transaction,
    error_code,
    query_all,
    transact,
    unavailable,
)
from chalicelib.store.dynamo.tables import Tables

NAMES = {"#tx": "text", "#f": "first", "#l": "last", "#sp": "sp", "#dec": "dec", "#into": "into", "#label": "label"}


def answer_part(incarnation: str, answer_id: str | None = None) -> str:
    """Return the sort key of an answer (or, without an id, the prefix of the incarnation's answers)."""
    return f"w#{incarnation}#" + (answer_id or "")


def _answer(item: dict[str, Any]) -> Answer:
    """Read an answer item."""
    decision = item.get("dec", {}).get("S")
    return Answer(
        id=item["part"]["S"].rsplit("#", 1)[1],
        text=item.get("text", {}).get("S", ""),
        first=int(item.get("first", {}).get("N", "0")),
        last=int(item.get("last", {}).get("N", "0")),
        spellings=tuple(item.get("sp", {}).get("SS", ())),
        decision=AnswerStatus(decision) if decision else None,
        into=item.get("into", {}).get("S"),
        label=item.get("label", {}).get("S"),
    )


class WriteIns:
    """The WriteInStore port over the polls table."""

    tables: Tables

    def _update_answer(
        self, key: dict[str, Any], expression: str, values: dict[str, Any], condition: str | None
    ) -> bool:
        """Run one UpdateItem; False when its condition failed."""
        used = set(re.findall(r"#\w+", f"{expression} {condition or ''}"))
        names = {name: value for name, value in NAMES.items() if name in used}
        arguments: dict[str, Any] = {
            "TableName": self.tables.polls_table,
            "Key": key,
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
        }
        if values:
            arguments["ExpressionAttributeValues"] = values
        if condition:
            arguments["ConditionExpression"] = condition
        try:
            self.tables.client.update_item(**arguments)
            return True
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                return False
            raise unavailable(exc) from exc

    def note_answers(self, poll_id: str, incarnation: str, seen: list[Sighting], limit: int) -> set[str]:
        """Note a batch's sightings of the answers kept (created with the first text while there is room under the
        limit; first and last moved outwards; spellings added); return the ids kept."""
        kept: set[str] = set()
        room = {"id": {"S": poll_id}, "part": {"S": f"wn#{incarnation}"}}
        full = False
        for sighting in seen:
            key = {"id": {"S": poll_id}, "part": {"S": answer_part(incarnation, sighting.answer_id)}}
            first, last = {"N": str(sighting.first)}, {"N": str(sighting.last)}
            if not self._update_answer(key, "SET #l = if_not_exists(#l, :l)", {":l": last}, "attribute_exists(#tx)"):
                made = not full and self._make_answer(key, room, sighting, limit)
                full = not made
                if not made:
                    continue  # no room: its votes count as unlisted
            kept.add(sighting.answer_id)
            self._update_answer(key, "SET #l = :l", {":l": last}, "#l < :l")
            self._update_answer(key, "SET #f = :f", {":f": first}, "#f > :f")
            spellings = sorted(sighting.spellings)[:MAX_SPELLINGS]
            self._update_answer(
                key,
                "ADD #sp :sp",
                {":sp": {"SS": spellings}, ":room": {"N": str(MAX_SPELLINGS - len(spellings))}},
                "attribute_not_exists(#sp) OR size(#sp) <= :room",
            )
        return kept

    def _make_answer(self, key: dict[str, Any], room: dict[str, Any], sighting: Sighting, limit: int) -> bool:
        """Make a new answer's item and take a place under the limit, in one transaction; True if the answer is kept
        (made now, or by another fold meanwhile), False if there is no room."""
        tx = Transaction()
        tx.add(
            "room",
            "Update",
            {
                "TableName": self.tables.polls_table,
                "Key": room,
                "UpdateExpression": "ADD #n :one",
                "ConditionExpression": "attribute_not_exists(#n) OR #n < :cap",
                "ExpressionAttributeNames": {"#n": "n"},
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":cap": {"N": str(limit)}},
            },
        )
        item = {"text": {"S": sighting.text}, "first": {"N": str(sighting.first)}, "last": {"N": str(sighting.last)}}
        tx.add(
            "answer",
            "Put",
            {
                "TableName": self.tables.polls_table,
                "Item": {**key, **item},
                "ConditionExpression": "attribute_not_exists(#tx)",
                "ExpressionAttributeNames": {"#tx": "text"},
            },
        )
        try:
            transact(self.tables.client, tx)
            return True
        except Cancelled as exc:
            if exc.failed("answer"):
                return True  # another fold made it: kept
            if exc.failed("room"):
                return False
            raise ServiceUnavailable("a new write-in answer met another write; the batch is tried again") from exc
        except ClientError as exc:
            raise unavailable(exc) from exc

    def kept_answers(self, poll_id: str, incarnation: str, answer_ids: set[str]) -> set[str]:
        """Read which of these answers have an item (one GetItem each: the policy grants no batch read here)."""
        kept = set()
        for answer_id in sorted(answer_ids):
            key = {"id": {"S": poll_id}, "part": {"S": answer_part(incarnation, answer_id)}}
            try:
                found = self.tables.client.get_item(
                    TableName=self.tables.polls_table, Key=key, ConsistentRead=True, ProjectionExpression="id"
                )
            except ClientError as exc:
                raise unavailable(exc) from exc
            if "Item" in found:
                kept.add(answer_id)
        return kept

    def answers(self, poll: Poll) -> list[Answer]:
        """Query the incarnation's answers (strongly consistent)."""
        items = query_all(
            self.tables.client,
            TableName=self.tables.polls_table,
            KeyConditionExpression="id = :id AND begins_with(part, :prefix)",
            ExpressionAttributeValues={":id": {"S": poll.id}, ":prefix": {"S": answer_part(poll.incarnation)}},
            ConsistentRead=True,
        )
        return [_answer(item) for item in items]

    def decide_answer(self, poll: Poll, answer: Answer) -> bool:
        """Set (or clear) an answer's decision, merge target and label, if the answer exists."""
        key = {"id": {"S": poll.id}, "part": {"S": answer_part(poll.incarnation, answer.id)}}
        sets, removes, values = [], [], {}
        for name, value in (("#dec", answer.decision), ("#into", answer.into), ("#label", answer.label)):
            if value is None:
                removes.append(name)
            else:
                sets.append(f"{name} = :{name[1:]}")
                values[f":{name[1:]}"] = {"S": str(value)}
        expression = " ".join(
            part
            for part in (f"SET {', '.join(sets)}" if sets else "", f"REMOVE {', '.join(removes)}" if removes else "")
            if part
        )
        return self._update_answer(key, expression, values, "attribute_exists(#tx)")
