"""Poll definitions in DynamoDB: create, read (with the tallies, in one Query), list, change, delete; snapshot marks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.exceptions import PynamoDBException

from chalicelib.core.counts import Counts
from chalicelib.core.errors import PollExists, PollNotFound
from chalicelib.core.poll import Poll
from chalicelib.store.dynamo.connection import (
    CONDITION_FAILED,
    batch_delete,
    error_code,
    query_all,
    translated,
    unavailable,
)
from chalicelib.store.dynamo.definitions import SNAPSHOT_DUE, changeable, poll_from_model, poll_to_model
from chalicelib.store.dynamo.models import DEFINITION, PollModel
from chalicelib.store.dynamo.surges import surges_of
from chalicelib.store.dynamo.tables import Tables
from chalicelib.store.dynamo.tallies import VOTE, counts_of, read_tallies
from chalicelib.store.port import DuePoll, PollView, Published, StaleDefinition

SUMMARY = DEFINITION + "~sum"  # the publisher's sum of the tallies: sorts right after the definition, before them
VIEW_END = "t~"  # an exact read is the poll's partition from the definition to here: the definition and every tally


class Polls:
    """Poll definitions, and a poll's view (definition and tallies) in one Query."""

    tables: Tables

    def create_poll(self, poll: Poll) -> None:
        """Store a new poll (one conditional PutItem); PollExists if the id is taken."""
        model = self.tables.polls
        try:
            poll_to_model(model, poll).save(condition=model.id.does_not_exist())
        except PynamoDBException as exc:
            if error_code(exc) == CONDITION_FAILED:
                raise PollExists(f"a poll with id '{poll.id}' already exists") from exc
            raise unavailable(exc) from exc

    def get_poll(self, poll_id: str) -> Poll:
        """Read a poll's definition (one strongly consistent GetItem); PollNotFound if there is none."""
        model = self.tables.polls
        with translated():
            try:
                return poll_from_model(model.get(poll_id, DEFINITION, consistent_read=True))
            except model.DoesNotExist:
                pass
        raise PollNotFound(f"no poll with id '{poll_id}'")

    def read_view(self, poll_id: str, consistent: bool) -> PollView:
        """Read a poll's definition and all its tallies in one Query (of its partition, "poll" to "t~")."""
        items = query_all(
            self.tables.client,
            TableName=self.tables.polls_table,
            KeyConditionExpression="id = :id AND part BETWEEN :lo AND :hi",
            ExpressionAttributeValues={":id": {"S": poll_id}, ":lo": {"S": DEFINITION}, ":hi": {"S": VIEW_END}},
            ConsistentRead=consistent,
        )
        definition = next((item for item in items if item["part"]["S"] == DEFINITION), None)
        if definition is None:
            raise PollNotFound(f"no poll with id '{poll_id}'")
        poll = poll_from_model(self.tables.polls.from_raw_data(definition))
        base, tallies = read_tallies(items, poll.incarnation)
        return PollView(poll=poll, base=base, tallies=tuple(tallies), surges=surges_of(items, poll.incarnation))

    def read_published(self, poll_id: str, consistent: bool) -> Published:
        """Read a poll's definition, its surges and its published summary in one Query of a few small items."""
        items = query_all(
            self.tables.client,
            TableName=self.tables.polls_table,
            KeyConditionExpression="id = :id AND part BETWEEN :lo AND :hi",
            ExpressionAttributeValues={":id": {"S": poll_id}, ":lo": {"S": DEFINITION}, ":hi": {"S": SUMMARY}},
            ConsistentRead=consistent,
        )
        found = {item["part"]["S"]: item for item in items}
        if DEFINITION not in found:
            raise PollNotFound(f"no poll with id '{poll_id}'")
        poll = poll_from_model(self.tables.polls.from_raw_data(found[DEFINITION]))
        summary, surges = found.get(SUMMARY), surges_of(items, poll.incarnation)
        if summary is None or summary.get("inc", {}).get("S") != poll.incarnation:
            return Published(poll=poll, surges=surges)
        return Published(poll=poll, counts=counts_of(summary), at=float(summary["at"]["N"]), surges=surges)

    def publish_summary(self, poll: Poll, counts: Counts, at: float) -> bool:
        """Put the poll's summary (one conditional PutItem): never over one summed later, or another incarnation's."""
        item: dict[str, Any] = {
            "id": {"S": poll.id},
            "part": {"S": SUMMARY},
            "inc": {"S": poll.incarnation},
            "voters": {"N": str(counts.voters)},
            "at": {"N": repr(round(at, 3))},
        }
        item.update({VOTE + option: {"N": str(n)} for option, n in counts.votes.items()})
        try:
            self.tables.client.put_item(
                TableName=self.tables.polls_table,
                Item=item,
                ConditionExpression="attribute_not_exists(#at) OR #at <= :at OR inc <> :inc",
                ExpressionAttributeNames={"#at": "at"},
                ExpressionAttributeValues={":at": item["at"], ":inc": item["inc"]},
            )
            return True
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                return False
            raise unavailable(exc) from exc

    def list_polls(self, cursor: str | None) -> Iterator[Poll]:
        """Yield definitions in the order of a table scan (hash order, not id order), starting after a poll id."""
        model = self.tables.polls
        start = {"id": {"S": cursor}, "part": {"S": DEFINITION}} if cursor else None
        with translated():
            for item in model.scan(model.part == DEFINITION, last_evaluated_key=start, page_size=100):
                yield poll_from_model(item)

    def change_poll(self, old: Poll, new: Poll) -> None:
        """Write a changed definition over the version it was made from (one conditional UpdateItem)."""
        model = self.tables.polls
        actions: list[Any] = [model.version.set(old.version + 1), model.snapshot_due.set(SNAPSHOT_DUE)]
        for name, value in changeable(new).items():
            attribute = getattr(model, name)
            actions.append(attribute.remove() if value is None else attribute.set(value))
        condition = (model.epoch == old.incarnation) & (model.version == old.version)
        try:
            model(id=old.id, part=DEFINITION).update(actions=actions, condition=condition)
        except PynamoDBException as exc:
            if error_code(exc) == CONDITION_FAILED:
                raise StaleDefinition(f"poll '{old.id}' changed (or was deleted) since it was read") from exc
            raise unavailable(exc) from exc

    def delete_poll(self, poll: Poll) -> None:
        """Delete every item of the poll's partition: its definition, tallies, markers and void records."""
        keys = query_all(
            self.tables.client,
            TableName=self.tables.polls_table,
            KeyConditionExpression="id = :id",
            ExpressionAttributeValues={":id": {"S": poll.id}},
            ProjectionExpression="id, part",
            ConsistentRead=True,
        )
        batch_delete(self.tables.client, self.tables.polls_table, keys)

    def due_polls(self) -> list[DuePoll]:
        """Query the sparse snapshot index: polls open now, closed since their last snapshot, or with work left."""
        with translated():
            return [_due(item) for item in self.tables.polls.snapshot_index.query(SNAPSHOT_DUE)]

    def mark_snapshot(self, poll: Poll, signature: str, snapshot_at: int, final: bool) -> None:
        """Record what a snapshot showed; a final one takes the poll out of the snapshot index."""
        model = self.tables.polls
        actions: list[Any] = [model.snapshot_signature.set(signature), model.snapshot_at.set(snapshot_at)]
        if final:
            actions.append(model.snapshot_due.remove())
        self._update(poll, actions)

    def record_keeping(self, poll: Poll, kept_until: int | None, cursor: dict[str, Any] | None) -> None:
        """Record how far a refresh of the ballots' expiry has come (kept_until set: it is done)."""
        model = self.tables.polls
        actions: list[Any] = [model.snapshot_due.set(SNAPSHOT_DUE)]
        actions.append(model.kept_until.set(kept_until) if kept_until is not None else model.kept_until.remove())
        actions.append(model.keep_cursor.set(json.dumps(cursor)) if cursor is not None else model.keep_cursor.remove())
        self._update(poll, actions)

    def track_void(self, poll: Poll, void_id: str, running: bool) -> None:
        """Add a void to those the snapshot job carries on for the poll, or take it off (the poll stays due)."""
        model = self.tables.polls
        change = model.voids_running.add({void_id}) if running else model.voids_running.delete({void_id})
        self._update(poll, [model.snapshot_due.set(SNAPSHOT_DUE), change])

    def _update(self, poll: Poll, actions: list[Any]) -> None:
        """Update a definition's bookkeeping, on condition that it is still this incarnation."""
        model = self.tables.polls
        try:
            model(id=poll.id, part=DEFINITION).update(actions=actions, condition=model.epoch == poll.incarnation)
        except PynamoDBException as exc:
            if error_code(exc) == CONDITION_FAILED:
                raise PollNotFound(f"poll '{poll.id}' was deleted or re-created") from exc
            raise unavailable(exc) from exc


def _due(item: PollModel) -> DuePoll:
    """Turn a definition from the snapshot index into the job's work item."""
    return DuePoll(
        poll=poll_from_model(item),
        signature=item.snapshot_signature,
        snapshot_at=None if item.snapshot_at is None else int(item.snapshot_at),
        kept_until=None if item.kept_until is None else int(item.kept_until),
        keep_cursor=json.loads(item.keep_cursor) if item.keep_cursor else None,
        voids_running=sorted(item.voids_running or ()),
    )
