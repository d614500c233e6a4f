"""Poll definitions in DynamoDB: create, read, list, change and delete a poll with its shards; snapshot marks."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from pynamodb.exceptions import PynamoDBException

from chalicelib.core.errors import PollExists, PollHasVotes, PollNotFound
from chalicelib.core.languages import DEFAULT_LANG, Translation
from chalicelib.core.poll import AddressLimit, Block, Challenge, Option, Poll, Visibility
from chalicelib.store.dynamo.connection import (
    CONDITION_FAILED,
    Cancelled,
    NamedWrites,
    TxOp,
    conn,
    error_code,
    transact_in_chunks,
    translated,
    unavailable,
)
from chalicelib.store.dynamo.keys import shard_key
from chalicelib.store.dynamo.models import OptionMap, PollModel, ShardModel
from chalicelib.store.port import DuePoll, StaleDefinition

SNAPSHOT_DUE = "due"
POLL_ITEM = "poll"


def poll_from_model(item: PollModel) -> Poll:
    """Turn a stored poll item into the domain's Poll."""
    return Poll(
        id=item.id,
        question=item.question,
        options=tuple(Option(id=o.id, label=o.label) for o in item.options),
        opens_at=int(item.opens_at),
        closes_at=None if item.closes_at is None else int(item.closes_at),
        closed=bool(item.closed),
        max_choices=int(item.max_choices),
        results_visibility=Visibility(item.results_visibility),
        block=Block(item.block),
        ip_limit=int(item.ip_limit),
        shards=int(item.shards),
        created_at=int(item.created_at),
        incarnation=item.epoch,
        challenge=Challenge(item.challenge or Challenge.NONE.value),
        address_limit=_address_limit(item),
        lang=item.lang or DEFAULT_LANG,
        translations=_translations(item),
        randomize_options=bool(item.randomize_options),
    )


def _translations(item: PollModel) -> dict[str, Translation]:
    """Read a poll item's translations (none when the attribute is absent, as on polls stored before them)."""
    stored = item.translations.as_dict() if item.translations is not None else {}
    return {
        tag: Translation(question=str(entry["question"]), labels={k: str(v) for k, v in entry["options"].items()})
        for tag, entry in stored.items()
    }


def _address_limit(item: PollModel) -> AddressLimit | None:
    """Read a poll item's address limit (None when it has none, as polls stored before limits existed)."""
    if item.address_votes is None or item.address_minutes is None:
        return None
    return AddressLimit(votes=int(item.address_votes), minutes=int(item.address_minutes))


def _optional(poll: Poll) -> dict[str, Any]:
    """Return the attributes a poll may lack: challenge, address limit, languages (None removes one)."""
    limit = poll.address_limit
    return {
        "challenge": poll.challenge.value,
        "address_votes": None if limit is None else limit.votes,
        "address_minutes": None if limit is None else limit.minutes,
        "lang": poll.lang,
        "translations": poll.translations_dict() or None,
        "randomize_options": poll.randomize_options or None,
    }


def poll_to_model(poll: Poll) -> PollModel:
    """Turn a domain Poll into a poll item (due for a snapshot)."""
    return PollModel(
        id=poll.id,
        question=poll.question,
        options=[OptionMap(id=o.id, label=o.label) for o in poll.options],
        opens_at=poll.opens_at,
        closes_at=poll.closes_at,
        closed=poll.closed,
        max_choices=poll.max_choices,
        results_visibility=poll.results_visibility.value,
        block=poll.block.value,
        ip_limit=poll.ip_limit,
        shards=poll.shards,
        created_at=poll.created_at,
        epoch=poll.incarnation,
        snapshot_due=SNAPSHOT_DUE,
        **_optional(poll),
    )


def shard_model(poll: Poll, shard: int) -> ShardModel:
    """Return a zeroed shard item carrying the poll's window."""
    return ShardModel(
        pk=shard_key(poll.id, shard),
        counts={option_id: 0 for option_id in poll.option_ids()},
        voters=0,
        opens_at=poll.opens_at,
        closes_at=poll.closes_at,
        closed=poll.closed,
        epoch=poll.incarnation,
    )


def same_definition(poll: Poll) -> Any:
    """The poll item's condition: still this incarnation, with this shard count (so every shard is updated)."""
    return (PollModel.epoch == poll.incarnation) & (PollModel.shards == poll.shards)


def shard_name(shard: int) -> str:
    """Name a shard's item in a transaction."""
    return f"shard-{shard}"


def create_poll(poll: Poll) -> None:
    """Store a new poll and its zeroed shards in one transaction; PollExists if the id is taken."""

    def put_poll(tx: NamedWrites) -> None:
        tx.save(POLL_ITEM, poll_to_model(poll), condition=PollModel.id.does_not_exist())

    def put_shard(tx: NamedWrites, shard: int) -> None:
        tx.save(shard_name(shard), shard_model(poll, shard))

    operations: list[TxOp] = [put_poll]
    operations += [partial(put_shard, shard=shard) for shard in range(poll.shards)]
    try:
        transact_in_chunks(operations)
    except Cancelled as exc:
        if exc.failed(POLL_ITEM):
            raise PollExists(f"a poll with id '{poll.id}' already exists") from exc
        raise unavailable(exc.cause) from exc


def get_poll(poll_id: str) -> Poll:
    """Read a poll's definition; PollNotFound if there is none."""
    conn()
    with translated():
        try:
            item = PollModel.get(poll_id, consistent_read=True)
        except PollModel.DoesNotExist:
            item = None
    if item is None:
        raise PollNotFound(f"no poll with id '{poll_id}'")
    return poll_from_model(item)


def list_polls(cursor: str | None) -> Iterator[Poll]:
    """Yield polls in the order of a table scan (hash order, not id order), starting after a cursor id."""
    conn()
    start = {"id": {"S": cursor}} if cursor else None
    with translated():
        for item in PollModel.scan(last_evaluated_key=start, page_size=100):
            yield poll_from_model(item)


def replace_poll(old: Poll, new: Poll, reset_counts: bool) -> None:
    """Write a changed definition to the poll and all its shards in one transaction.

    With reset_counts the shards' counters are re-created for the new options, on
    condition that no shard has a vote (PollHasVotes otherwise).
    """

    def put_poll(tx: NamedWrites) -> None:
        actions: list[Any] = [
            PollModel.question.set(new.question),
            PollModel.options.set([OptionMap(id=o.id, label=o.label) for o in new.options]),
            PollModel.opens_at.set(new.opens_at),
            PollModel.closes_at.remove() if new.closes_at is None else PollModel.closes_at.set(new.closes_at),
            PollModel.closed.set(new.closed),
            PollModel.snapshot_due.set(SNAPSHOT_DUE),  # any change needs a new snapshot
        ]
        for name, value in _optional(new).items():
            attribute = getattr(PollModel, name)
            actions.append(attribute.remove() if value is None else attribute.set(value))
        tx.update(POLL_ITEM, PollModel(id=old.id), actions=actions, condition=same_definition(old))

    def update_shard(tx: NamedWrites, shard: int) -> None:
        actions: list[Any] = [
            ShardModel.opens_at.set(new.opens_at),
            ShardModel.closed.set(new.closed),
            ShardModel.closes_at.remove() if new.closes_at is None else ShardModel.closes_at.set(new.closes_at),
        ]
        condition = ShardModel.epoch == old.incarnation
        if reset_counts:
            actions.append(ShardModel.counts.set({o: 0 for o in new.option_ids()}))
            condition &= ShardModel.voters == 0
        tx.update(shard_name(shard), ShardModel(pk=shard_key(old.id, shard)), actions=actions, condition=condition)

    operations: list[TxOp] = [put_poll]
    operations += [partial(update_shard, shard=shard) for shard in range(old.shards)]
    try:
        transact_in_chunks(operations)
    except Cancelled as exc:
        if exc.failed(POLL_ITEM):
            raise StaleDefinition(f"poll '{old.id}' changed (or was deleted) since it was read") from exc
        if reset_counts and any(exc.failed(shard_name(shard)) for shard in range(old.shards)):
            raise PollHasVotes("the question and options cannot change once the poll has votes") from exc
        raise unavailable(exc.cause) from exc


def delete_poll(poll: Poll) -> None:
    """Delete a poll and its shards (ballots expire by TTL and never match a new poll)."""

    def delete_poll_item(tx: NamedWrites) -> None:
        tx.delete(POLL_ITEM, PollModel(id=poll.id))

    def delete_shard(tx: NamedWrites, shard: int) -> None:
        tx.delete(shard_name(shard), ShardModel(pk=shard_key(poll.id, shard)))

    operations: list[TxOp] = [delete_poll_item]
    operations += [partial(delete_shard, shard=shard) for shard in range(poll.shards)]
    try:
        transact_in_chunks(operations)
    except Cancelled as exc:
        raise unavailable(exc.cause) from exc


def due_polls() -> list[DuePoll]:
    """Query the sparse snapshot index: polls open now or closed since their last snapshot."""
    conn()
    with translated():
        return [
            DuePoll(
                poll=poll_from_model(item),
                signature=item.snapshot_signature,
                snapshot_at=None if item.snapshot_at is None else int(item.snapshot_at),
            )
            for item in PollModel.snapshot_index.query(SNAPSHOT_DUE)
        ]


def mark_snapshot(poll: Poll, signature: str, snapshot_at: int, final: bool) -> None:
    """Record what a snapshot showed; a final one takes the poll out of the snapshot index."""
    conn()
    actions: list[Any] = [PollModel.snapshot_signature.set(signature), PollModel.snapshot_at.set(snapshot_at)]
    if final:
        actions.append(PollModel.snapshot_due.remove())
    try:
        PollModel(id=poll.id).update(actions=actions, condition=PollModel.epoch == poll.incarnation)
    except PynamoDBException as exc:
        if error_code(exc) == CONDITION_FAILED:
            raise PollNotFound(f"poll '{poll.id}' was deleted or re-created") from exc
        raise unavailable(exc) from exc
