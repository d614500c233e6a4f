"""Reading the tables' streams as Lambda delivers them (typed by Powertools): ballots' changes and tallies' changes."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent

from chalicelib.core.ledger import contribution
from chalicelib.store.dynamo.models import DEFINITION, PollModel
from chalicelib.store.port import BallotBatch

DUE = PollModel.snapshot_due.attr_name  # the snapshot index's key: set while the snapshot job visits the poll
TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}  # a deletion by Time to Live


def ballot_batch(event: dict[str, Any]) -> BallotBatch:
    """Read a batch of the ballots table's stream (a tumbling-window event, which names its shard)."""
    typed = DynamoDBStreamEvent(event)
    batch = BallotBatch(shard=typed.shard_id)
    for record in typed.records:
        batch.records += 1
        change = record.dynamodb
        if change is None or record.event_name is None or change.sequence_number is None:
            continue
        old, new = change.old_image or None, change.new_image or None
        image = new or old or {}
        at = change.approximate_creation_date_time or int(image.get("at", 0))
        found = contribution(
            record.event_name.name,
            old,
            new,
            by_ttl=record.user_identity == TTL_IDENTITY,
            sequence=change.sequence_number,
            at=int(at),
        )
        if found is not None:
            batch.contributions.append(found)
    return batch


def tallied_polls(event: dict[str, Any]) -> list[str]:
    """Return the polls, in first-seen order, whose tallies a batch of the polls table's stream changed."""
    changed: dict[str, None] = {}
    for record in DynamoDBStreamEvent(event).records:
        keys = record.dynamodb.keys if record.dynamodb is not None else {}
        poll_id, part = keys.get("id"), keys.get("part")
        if isinstance(poll_id, str) and isinstance(part, str) and part != DEFINITION and part.startswith("t#"):
            changed[poll_id] = None
    return list(changed)


def defined_polls(event: dict[str, Any]) -> list[str]:
    """Return the polls, in first-seen order, whose definition a batch of the polls table's stream created, changed
    (its version moved) or took out of the snapshot job's list (closed by its schedule and snapshotted for the last
    time: the card function's schedule no longer visits it). The job's other marks on the item are left out."""
    changed: dict[str, None] = {}
    for record in DynamoDBStreamEvent(event).records:
        change = record.dynamodb
        keys = change.keys if change is not None else {}
        poll_id, part = keys.get("id"), keys.get("part")
        if not isinstance(poll_id, str) or part != DEFINITION or change is None:
            continue
        old, new = change.old_image or {}, change.new_image or {}
        if not new:  # deleted: the API withdraws its cards
            continue
        left_the_job = DUE in old and DUE not in new
        if not old or old.get("version") != new.get("version") or left_the_job:
            changed[poll_id] = None
    return list(changed)
