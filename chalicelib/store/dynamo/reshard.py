"""Live resharding in DynamoDB: new shards and the poll's new count in one transaction, and the auto claim."""

from __future__ import annotations

from functools import partial
from typing import Any

from pynamodb.exceptions import PynamoDBException

from chalicelib.core.poll import Poll
from chalicelib.store.dynamo.connection import (
    CONDITION_FAILED,
    Cancelled,
    NamedWrites,
    TxOp,
    conn,
    error_code,
    transact_in_chunks,
    unavailable,
)
from chalicelib.store.dynamo.models import PollModel
from chalicelib.store.dynamo.polls import POLL_ITEM, SNAPSHOT_DUE, same_definition, shard_model, shard_name
from chalicelib.store.port import SHARDS_PER_STEP, StaleDefinition


def _same_window(poll: Poll) -> Any:
    """The poll item's condition: the window the new shards were given is still the poll's."""
    condition = (PollModel.opens_at == poll.opens_at) & (PollModel.closed == poll.closed)
    if poll.closes_at is None:
        return condition & PollModel.closes_at.does_not_exist()
    return condition & (PollModel.closes_at == poll.closes_at)


def add_shards(poll: Poll, shards: int) -> None:
    """Create shards poll.shards..shards-1 and publish the new count in one transaction (at most 99 new shards).

    Nothing can vote in a shard before the count that includes it is published, and the count is
    published only if the poll still has the shard count and window the new shards were made with:
    a concurrent close, reschedule or raise makes this fail with StaleDefinition instead.
    """
    if not poll.shards < shards <= poll.shards + SHARDS_PER_STEP:
        raise ValueError(f"one step adds 1 to {SHARDS_PER_STEP} shards")

    def publish(tx: NamedWrites) -> None:
        actions: list[Any] = [PollModel.shards.set(shards), PollModel.snapshot_due.set(SNAPSHOT_DUE)]
        condition = same_definition(poll) & _same_window(poll)
        tx.update(POLL_ITEM, PollModel(id=poll.id), actions=actions, condition=condition)

    def put_shard(tx: NamedWrites, shard: int) -> None:
        # Unconditional: a shard past the published count is never voted in; any item there is a leftover
        # of a deleted incarnation.
        tx.save(shard_name(shard), shard_model(poll, shard))

    operations: list[TxOp] = [publish]
    operations += [partial(put_shard, shard=n) for n in range(poll.shards, shards)]
    try:
        transact_in_chunks(operations)
    except Cancelled as exc:
        if exc.failed(POLL_ITEM) or "TransactionConflict" in exc.reasons.values():
            raise StaleDefinition(f"poll '{poll.id}' changed since it was read") from exc
        raise unavailable(exc.cause) from exc


def claim_reshard(poll: Poll, window_start: int) -> bool:
    """Claim the poll's automatic resharding for one window (one conditional UpdateItem); False if taken."""
    conn()
    condition = (PollModel.epoch == poll.incarnation) & (
        PollModel.resharded_at.does_not_exist() | (PollModel.resharded_at < window_start)
    )
    try:
        PollModel(id=poll.id).update(actions=[PollModel.resharded_at.set(window_start)], condition=condition)
        return True
    except PynamoDBException as exc:
        if error_code(exc) == CONDITION_FAILED:
            return False
        raise unavailable(exc) from exc
