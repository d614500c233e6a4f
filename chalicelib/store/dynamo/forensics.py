"""Forensics in DynamoDB: a poll's counted ballots through the by-slot index, voiding them, and void records."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any

from chalicelib.core.errors import PollNotFound
from chalicelib.core.forensics import BallotRecord, VoidRecord, VoidRequest, tally
from chalicelib.core.poll import Poll
from chalicelib.runtime.settings import get_settings
from chalicelib.store.dynamo.connection import (
    TRANSACTION_LIMIT,
    Cancelled,
    NamedWrites,
    TxOp,
    conn,
    transact_in_chunks,
    translated,
    unavailable,
)
from chalicelib.store.dynamo.counts import BATCH_GET_LIMIT, batch_get
from chalicelib.store.dynamo.keys import shard_key, slot, void_key, voids_slot
from chalicelib.store.dynamo.models import BallotModel, PollModel, ShardModel, VoidModel
from chalicelib.store.dynamo.polls import POLL_ITEM, SNAPSHOT_DUE, shard_name

RECORD = "void"
CONFLICT_RETRIES = 5


def _indexed_keys(index_slot: str) -> list[str]:
    """Return the keys of the ballots-table items listed under one by-slot index key (a Query, never a Scan)."""
    conn()
    with translated():
        return [item.pk for item in BallotModel.slot_index.query(index_slot, attributes_to_get=["pk"])]


def _items(keys: list[str]) -> Iterator[dict[str, Any]]:
    """Read items of the ballots table by key, strongly consistent, 100 keys a BatchGetItem."""
    table = get_settings().ballots_table
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        for _, item in batch_get([(table, {"pk": {"S": key}}) for key in keys[start : start + BATCH_GET_LIMIT]]):
            yield item


def ballot_records(poll: Poll, shard: int) -> Iterator[BallotRecord]:
    """Yield one shard's counted ballots: keys from the index (it holds only options), then the ballots themselves."""
    wanted = slot(poll, shard)
    for item in _items(_indexed_keys(wanted)):
        ballot = BallotModel.from_raw_data(item)
        if ballot.slot != wanted or ballot.voided_at is not None:  # the index lags a void
            continue
        minute = int(ballot.voted_at) // 60 * 60
        yield BallotRecord(ballot.pk, shard, tuple(ballot.options or []), ballot.src, minute)


def _record_key(poll: Poll, record: VoidRecord) -> str:
    return void_key(f"{poll.scope}#{record.id}")


def _batch(pending: list[BallotRecord]) -> list[BallotRecord]:
    """Take as many ballots as fit one transaction with their shards, the poll item and the void record."""
    batch: list[BallotRecord] = []
    shards: set[int] = set()
    for ballot in pending:
        if len(batch) + 1 + len(shards | {ballot.shard}) + 2 > TRANSACTION_LIMIT:
            break
        batch.append(ballot)
        shards.add(ballot.shard)
    return batch


def _operations(poll: Poll, record: VoidRecord, batch: list[BallotRecord], first: bool) -> list[TxOp]:
    """The writes of one void batch: the poll (due for a snapshot), its shards, the ballots and the record."""
    expires = datetime.fromtimestamp(record.expires_at or record.at, tz=UTC)
    option_ids = list(record.options)

    def mark_poll(tx: NamedWrites) -> None:
        condition = PollModel.epoch == poll.incarnation
        tx.update(
            POLL_ITEM, PollModel(id=poll.id), actions=[PollModel.snapshot_due.set(SNAPSHOT_DUE)], condition=condition
        )

    def take_off(tx: NamedWrites, shard: int, ballots: list[BallotRecord]) -> None:
        actions: list[Any] = [ShardModel.voters.add(-len(ballots))]
        for option_id, count in Counter(o for b in ballots for o in b.options).items():
            actions.append(ShardModel.counts[option_id].set(ShardModel.counts[option_id] - count))
        model = ShardModel(pk=shard_key(poll.id, shard))
        tx.update(shard_name(shard), model, actions=actions, condition=ShardModel.epoch == poll.incarnation)

    def void(tx: NamedWrites, index: int, ballot: BallotRecord) -> None:
        actions = [BallotModel.slot.remove(), BallotModel.voided_at.set(record.at), BallotModel.void_id.set(record.id)]
        tx.update(
            f"ballot-{index}",
            BallotModel(pk=ballot.key),
            actions=actions,
            condition=BallotModel.slot == slot(poll, ballot.shard),
        )

    def write_record(tx: NamedWrites) -> None:
        counts = tally(batch, option_ids)
        if first:
            request = record.request
            item = VoidModel(
                pk=_record_key(poll, record),
                slot=voids_slot(poll),
                void_id=record.id,
                source=request.source,
                start=request.start,
                end=request.end,
                reason=request.reason,
                voided=len(batch),
                counts=counts,
                at=record.at,
                expires_at=expires,
            )
            tx.save(RECORD, item, condition=VoidModel.pk.does_not_exist())
            return
        actions: list[Any] = [VoidModel.voided.add(len(batch))]
        actions += [VoidModel.counts[o].set(VoidModel.counts[o] + n) for o, n in counts.items() if n]
        tx.update(RECORD, VoidModel(pk=_record_key(poll, record)), actions=actions)

    by_shard: dict[int, list[BallotRecord]] = {}
    for ballot in batch:
        by_shard.setdefault(ballot.shard, []).append(ballot)
    operations: list[TxOp] = [mark_poll, write_record]
    operations += [partial(take_off, shard=shard, ballots=ballots) for shard, ballots in by_shard.items()]
    operations += [partial(void, index=index, ballot=ballot) for index, ballot in enumerate(batch)]
    return operations


def void_ballots(poll: Poll, record: VoidRecord, ballots: list[BallotRecord]) -> list[BallotRecord]:
    """Void ballots in transactions of up to 100 items, each all or nothing; skip ballots voided meanwhile."""
    pending, conflicts = list(ballots), 0
    voided: list[BallotRecord] = []
    while pending:
        batch = _batch(pending)
        try:
            transact_in_chunks(_operations(poll, record, batch, first=not voided))
        except Cancelled as exc:
            if exc.failed(POLL_ITEM) or any(exc.failed(shard_name(b.shard)) for b in batch):
                raise PollNotFound(f"poll '{poll.id}' was deleted or re-created") from exc
            gone = {b.key for index, b in enumerate(batch) if exc.failed(f"ballot-{index}")}
            if gone:
                pending = [b for b in pending if b.key not in gone]
                continue
            conflicts += 1
            if "TransactionConflict" in exc.reasons.values() and conflicts <= CONFLICT_RETRIES:
                time.sleep(random.uniform(0, 0.05 * 2**conflicts))
                continue
            raise unavailable(exc.cause) from exc
        voided += batch
        pending = pending[len(batch) :]
    return voided


def voids(poll: Poll) -> list[VoidRecord]:
    """Return a poll's void records, oldest first (listed through the by-slot index)."""
    records = []
    for item in _items(_indexed_keys(voids_slot(poll))):
        found = VoidModel.from_raw_data(item)
        start = None if found.start is None else int(found.start)
        end = None if found.end is None else int(found.end)
        request = VoidRequest(source=found.source, start=start, end=end, reason=found.reason)
        counts = {o: int(n) for o, n in found.counts.as_dict().items()}
        records.append(VoidRecord(found.void_id, request, int(found.voided), counts, int(found.at)))
    return sorted(records, key=lambda r: (r.at, r.id))
