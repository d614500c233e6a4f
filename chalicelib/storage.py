"""The DynamoDB adapter: the only module that talks to the tables or knows their errors."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import models
from chalicelib.domain import Counts, Option, Poll
from chalicelib.errors import PollExists, PollHasVotes, PollNotFound, ServiceUnavailable
from chalicelib.models import BallotModel, IpCounterModel, OptionMap, PollModel, ShardModel
from chalicelib.settings import get_settings

TRANSACTION_LIMIT = 100  # items per TransactWriteItems
BATCH_GET_LIMIT = 100  # keys per BatchGetItem
THROTTLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
    }
)

_lock = threading.Lock()
_connection: Connection | None = None


def _conn() -> Connection:
    """Return the process's DynamoDB connection, binding the models to the stage's tables first."""
    global _connection
    if _connection is None:
        with _lock:
            if _connection is None:
                settings = get_settings()
                models.bind(settings)
                _connection = Connection(region=settings.region, host=settings.endpoint_url)
    return _connection


def reset() -> None:
    """Drop the cached connection and model bindings (tests and the local runner)."""
    global _connection
    with _lock:
        _connection = None
        for model in models.ALL_MODELS:
            model._connection = None


def _unavailable(exc: Exception) -> ServiceUnavailable:
    """Translate a storage failure that has no domain meaning."""
    if _client_error_code(exc) in THROTTLE_CODES:
        return ServiceUnavailable("the poll store is busy, try again shortly", retry_after=1)
    return ServiceUnavailable("the poll store is unavailable, try again shortly")


def _client_error_code(exc: BaseException | None) -> str | None:
    """Return the AWS error code of a botocore ClientError (or its PynamoDB wrapper)."""
    while exc is not None:
        if isinstance(exc, ClientError):
            return str(exc.response.get("Error", {}).get("Code"))
        exc = getattr(exc, "cause", None) or exc.__cause__
    return None


def shard_key(poll_id: str, shard: int) -> str:
    """Return the partition key of one of a poll's shards."""
    return f"{poll_id}#{shard:03d}"


# ---------------------------------------------------------------- polls


def _poll_from_model(item: PollModel) -> Poll:
    return Poll(
        id=item.id,
        question=item.question,
        options=tuple(Option(id=o.id, label=o.label) for o in item.options),
        opens_at=int(item.opens_at),
        closes_at=None if item.closes_at is None else int(item.closes_at),
        closed=bool(item.closed),
        max_choices=int(item.max_choices),
        results_visibility=item.results_visibility,
        block=item.block,
        ip_limit=int(item.ip_limit),
        shards=int(item.shards),
        created_at=int(item.created_at),
        epoch=item.epoch,
    )


def _poll_to_model(poll: Poll) -> PollModel:
    return PollModel(
        id=poll.id,
        question=poll.question,
        options=[OptionMap(id=o.id, label=o.label) for o in poll.options],
        opens_at=poll.opens_at,
        closes_at=poll.closes_at,
        closed=poll.closed,
        max_choices=poll.max_choices,
        results_visibility=poll.results_visibility,
        block=poll.block,
        ip_limit=poll.ip_limit,
        shards=poll.shards,
        created_at=poll.created_at,
        epoch=poll.epoch,
        snapshot_due=SNAPSHOT_DUE,
    )


def _shard_model(poll: Poll, shard: int) -> ShardModel:
    return ShardModel(
        pk=shard_key(poll.id, shard),
        counts={option_id: 0 for option_id in poll.option_ids()},
        voters=0,
        opens_at=poll.opens_at,
        closes_at=poll.closes_at,
        closed=poll.closed,
        epoch=poll.epoch,
    )


TxOp = Callable[[TransactWrite], None]
SNAPSHOT_DUE = "due"


def _transact_in_chunks(operations: list[TxOp]) -> None:
    """Run operations in as few transactions as the 100-item limit allows (one for up to 100)."""
    conn = _conn()
    for start in range(0, len(operations), TRANSACTION_LIMIT):
        with TransactWrite(connection=conn, client_request_token=str(uuid.uuid4())) as tx:
            for operation in operations[start : start + TRANSACTION_LIMIT]:
                operation(tx)


def _failed_conditions(exc: TransactWriteError) -> list[bool]:
    """Return, per transaction item, whether its condition failed."""
    return [bool(r and r.code == "ConditionalCheckFailed") for r in exc.cancellation_reasons]


def create_poll(poll: Poll) -> None:
    """Store a new poll and its zeroed shards in one transaction; PollExists if the id is taken."""

    def put_shard(tx: TransactWrite, shard: int) -> None:
        tx.save(_shard_model(poll, shard))

    operations: list[TxOp] = [lambda tx: tx.save(_poll_to_model(poll), condition=PollModel.id.does_not_exist())]
    operations += [partial(put_shard, shard=shard) for shard in range(poll.shards)]
    try:
        _transact_in_chunks(operations)
    except TransactWriteError as exc:
        failed = _failed_conditions(exc)
        if failed and failed[0]:
            raise PollExists(f"a poll with id '{poll.id}' already exists") from exc
        raise _unavailable(exc) from exc


def get_poll(poll_id: str) -> Poll:
    """Read a poll's definition; PollNotFound if there is none."""
    _conn()
    try:
        return _poll_from_model(PollModel.get(poll_id, consistent_read=True))
    except PollModel.DoesNotExist as exc:
        raise PollNotFound(f"no poll with id '{poll_id}'") from exc
    except (PynamoDBException, BotoCoreError, ClientError) as exc:
        raise _unavailable(exc) from exc


def list_polls(cursor: str | None) -> Iterator[Poll]:
    """Yield polls from the polls table in key order of the scan, starting after a cursor id."""
    _conn()
    start = {"id": {"S": cursor}} if cursor else None
    try:
        for item in PollModel.scan(last_evaluated_key=start, page_size=100):
            yield _poll_from_model(item)
    except (PynamoDBException, BotoCoreError, ClientError) as exc:
        raise _unavailable(exc) from exc


def replace_poll(old: Poll, new: Poll, reset_counts: bool) -> None:
    """Write a changed definition to the poll and all its shards in one transaction.

    With reset_counts the shards' counters are re-created for the new options, on
    condition that no shard has a vote (PollHasVotes otherwise).
    """

    def put_poll(tx: TransactWrite) -> None:
        actions: list[Any] = [
            PollModel.question.set(new.question),
            PollModel.options.set([OptionMap(id=o.id, label=o.label) for o in new.options]),
            PollModel.opens_at.set(new.opens_at),
            PollModel.closes_at.remove() if new.closes_at is None else PollModel.closes_at.set(new.closes_at),
            PollModel.closed.set(new.closed),
            PollModel.snapshot_due.set(SNAPSHOT_DUE),  # any change needs a new snapshot
        ]
        tx.update(PollModel(id=old.id), actions=actions, condition=PollModel.epoch == old.epoch)

    def update_shard(tx: TransactWrite, shard: int) -> None:
        actions: list[Any] = [
            ShardModel.opens_at.set(new.opens_at),
            ShardModel.closed.set(new.closed),
            ShardModel.closes_at.remove() if new.closes_at is None else ShardModel.closes_at.set(new.closes_at),
        ]
        condition = ShardModel.epoch == old.epoch
        if reset_counts:
            actions.append(ShardModel.counts.set({o: 0 for o in new.option_ids()}))
            condition &= ShardModel.voters == 0
        tx.update(ShardModel(pk=shard_key(old.id, shard)), actions=actions, condition=condition)

    operations: list[TxOp] = [put_poll]
    operations += [partial(update_shard, shard=shard) for shard in range(old.shards)]
    try:
        _transact_in_chunks(operations)
    except TransactWriteError as exc:
        failed = _failed_conditions(exc)
        if failed and failed[0]:
            raise PollNotFound(f"no poll with id '{old.id}'") from exc
        if reset_counts and any(failed):
            raise PollHasVotes("the question and options cannot change once the poll has votes") from exc
        raise _unavailable(exc) from exc


def delete_poll(poll: Poll) -> None:
    """Delete a poll and its shards (ballots expire by TTL and never match a new poll)."""

    def delete_shard(tx: TransactWrite, shard: int) -> None:
        tx.delete(ShardModel(pk=shard_key(poll.id, shard)))

    operations: list[TxOp] = [lambda tx: tx.delete(PollModel(id=poll.id))]
    operations += [partial(delete_shard, shard=shard) for shard in range(poll.shards)]
    try:
        _transact_in_chunks(operations)
    except TransactWriteError as exc:
        raise _unavailable(exc) from exc


# ---------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class DuePoll:
    """A poll the snapshot job must visit, with what its last snapshot showed."""

    poll: Poll
    signature: str | None
    snapshot_at: int | None


def due_polls() -> list[DuePoll]:
    """Query the sparse snapshot index: polls open now or closed since their last snapshot."""
    _conn()
    try:
        return [
            DuePoll(
                poll=_poll_from_model(item),
                signature=item.snapshot_signature,
                snapshot_at=None if item.snapshot_at is None else int(item.snapshot_at),
            )
            for item in PollModel.snapshot_index.query(SNAPSHOT_DUE)
        ]
    except (PynamoDBException, BotoCoreError, ClientError) as exc:
        raise _unavailable(exc) from exc


def read_many_counts(polls: list[Poll], consistent: bool) -> dict[str, Counts | None]:
    """Sum the shards of many polls with BatchGetItem, 100 keys a request; None for a poll with no shards."""
    settings = get_settings()
    keys = [
        (settings.counters_table, {"pk": {"S": shard_key(poll.id, s)}}) for poll in polls for s in range(poll.shards)
    ]
    found: dict[str, Counts | None] = {poll.id: None for poll in polls}
    for _, item in _batch_get(_conn().client, keys, consistent=consistent):
        shard = ShardModel.from_raw_data(item)
        poll_id = shard.pk.rsplit("#", 1)[0]
        found[poll_id] = _add_shard(found.get(poll_id) or Counts(), shard)
    return found


def _add_shard(counts: Counts, shard: ShardModel) -> Counts:
    """Add one shard's counters to a running total."""
    return counts.merge(shard.counts.as_dict(), int(shard.voters))


def mark_snapshot(poll: Poll, signature: str, snapshot_at: int, final: bool) -> None:
    """Record what a snapshot showed; a final one takes the poll out of the snapshot index."""
    _conn()
    actions: list[Any] = [PollModel.snapshot_signature.set(signature), PollModel.snapshot_at.set(snapshot_at)]
    if final:
        actions.append(PollModel.snapshot_due.remove())
    try:
        PollModel(id=poll.id).update(actions=actions, condition=PollModel.epoch == poll.epoch)
    except PynamoDBException as exc:
        if _client_error_code(exc) == "ConditionalCheckFailedException":
            raise PollNotFound(f"poll '{poll.id}' was deleted or re-created") from exc
        raise _unavailable(exc) from exc


# ---------------------------------------------------------------- recount


def ballots_in_slot(slot: str) -> Iterator[list[str]]:
    """Yield the chosen options of every ballot in one poll shard, via the by-slot index (no scan)."""
    _conn()
    try:
        for ballot in BallotModel.slot_index.query(slot, attributes_to_get=["options"]):
            yield list(ballot.options or [])
    except (PynamoDBException, BotoCoreError, ClientError) as exc:
        raise _unavailable(exc) from exc


def replace_shard_counts(poll: Poll, shard: int, seen: dict[str, Any], counts: dict[str, int], voters: int) -> bool:
    """Overwrite one shard's counters if it still holds what was read; False if votes arrived meanwhile."""
    _conn()
    condition = (ShardModel.epoch == poll.epoch) & (ShardModel.voters == seen["voters"])
    condition &= ShardModel.counts == seen["counts"]
    try:
        ShardModel(pk=shard_key(poll.id, shard)).update(
            actions=[ShardModel.counts.set(counts), ShardModel.voters.set(voters)], condition=condition
        )
        return True
    except PynamoDBException as exc:
        if _client_error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise _unavailable(exc) from exc


# ---------------------------------------------------------------- counts


def read_counts(poll_id: str, shards: range, with_poll: bool) -> tuple[Poll | None, Counts]:
    """Sum some of a poll's shards with batched reads (one BatchGetItem per 100 keys).

    With with_poll the poll's own item rides in the same batch; the poll is then
    returned (None when it does not exist). A missing shard counts as zero.
    """
    settings = get_settings()
    client = _conn().client
    keys: list[tuple[str, dict[str, Any]]] = []
    if with_poll:
        keys.append((settings.polls_table, {"id": {"S": poll_id}}))
    keys += [(settings.counters_table, {"pk": {"S": shard_key(poll_id, s)}}) for s in shards]
    items = _batch_get(client, keys)
    poll: Poll | None = None
    counts = Counts()
    for table, item in items:
        if table == settings.polls_table:
            poll = _poll_from_model(PollModel.from_raw_data(item))
            continue
        _add_shard(counts, ShardModel.from_raw_data(item))
    return poll, counts


def _batch_get(
    client: Any, keys: list[tuple[str, dict[str, Any]]], consistent: bool = True
) -> list[tuple[str, dict[str, Any]]]:
    """BatchGetItem over (table, key) pairs in chunks of 100, retrying unprocessed keys."""
    found: list[tuple[str, dict[str, Any]]] = []
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        request: dict[str, Any] = {}
        for table, key in keys[start : start + BATCH_GET_LIMIT]:
            request.setdefault(table, {"Keys": [], "ConsistentRead": consistent})["Keys"].append(key)
        for attempt in range(6):
            try:
                response = client.batch_get_item(RequestItems=request)
            except (BotoCoreError, ClientError) as exc:
                raise _unavailable(exc) from exc
            for table, table_items in response.get("Responses", {}).items():
                found += [(table, item) for item in table_items]
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(random.uniform(0, 0.05 * 2**attempt))
        else:
            raise ServiceUnavailable("the poll store is busy, try again shortly", retry_after=1)
    return found


def shard_items(poll_id: str, shards: int) -> dict[int, dict[str, Any]]:
    """Return each existing shard's counts and voters, by shard number (for tests and recounts)."""
    settings = get_settings()
    keys = [(settings.counters_table, {"pk": {"S": shard_key(poll_id, s)}}) for s in range(shards)]
    result = {}
    for _, item in _batch_get(_conn().client, keys):
        shard = ShardModel.from_raw_data(item)
        number = int(shard.pk.rsplit("#", 1)[1])
        result[number] = {"counts": {k: int(v) for k, v in shard.counts.as_dict().items()}, "voters": int(shard.voters)}
    return result


# ---------------------------------------------------------------- votes


@dataclass(frozen=True)
class VoteWrite:
    """Everything one vote transaction writes."""

    poll: Poll
    options: list[str]
    shard: int
    now: int
    request_id: str
    ballot_key: str | None
    ip_key: str | None
    expires_at: int


@dataclass(frozen=True)
class ShardState:
    """A shard as it was when it refused a vote (None fields when it does not exist)."""

    exists: bool
    epoch: str | None = None
    closed: bool = False
    opens_at: int | None = None
    closes_at: int | None = None
    options: frozenset[str] = frozenset()


class VoteRejected(Exception):
    """A vote transaction did not commit; `reason` says why.

    Reasons: already_voted, own_ballot (this request's own earlier attempt committed),
    shard (see `shard`), ip_limit, conflict (retry elsewhere), busy (throttled, not
    committed), rejected (refused, not committed), unknown (may have committed).
    """

    def __init__(self, reason: str, shard: ShardState | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.shard = shard


def write_vote(vote: VoteWrite) -> None:
    """Commit one vote as a single TransactWriteItems: ballot, shard counters and IP counter."""
    expires = datetime.fromtimestamp(vote.expires_at, tz=UTC)
    try:
        with TransactWrite(connection=_conn(), client_request_token=str(uuid.uuid4())) as tx:
            if vote.ballot_key is not None:
                ballot = BallotModel(
                    pk=vote.ballot_key,
                    slot=f"{vote.poll.scope}#{vote.shard:03d}",
                    options=vote.options,
                    request_id=vote.request_id,
                    voted_at=vote.now,
                    expires_at=expires,
                )
                tx.save(ballot, condition=BallotModel.pk.does_not_exist(), return_values="ALL_OLD")
            condition = (
                ShardModel.pk.exists()
                & (ShardModel.epoch == vote.poll.epoch)
                & (ShardModel.closed == False)  # noqa: E712 - a PynamoDB condition, not a comparison
                & (ShardModel.opens_at <= vote.now)
                & (ShardModel.closes_at.does_not_exist() | (ShardModel.closes_at > vote.now))
            )
            actions: list[Any] = [ShardModel.voters.add(1)]
            for option_id in vote.options:
                condition &= ShardModel.counts[option_id].exists()
                actions.append(ShardModel.counts[option_id].set(ShardModel.counts[option_id] + 1))
            tx.update(
                ShardModel(pk=shard_key(vote.poll.id, vote.shard)),
                actions=actions,
                condition=condition,
                return_values="ALL_OLD",
            )
            if vote.ip_key is not None:
                tx.update(
                    IpCounterModel(pk=vote.ip_key),
                    actions=[IpCounterModel.n.add(1), IpCounterModel.expires_at.set(expires)],
                    condition=IpCounterModel.n.does_not_exist() | (IpCounterModel.n < vote.poll.ip_limit),
                )
    except TransactWriteError as exc:
        raise _vote_rejection(exc, vote) from exc


def _vote_rejection(exc: TransactWriteError, vote: VoteWrite) -> VoteRejected:
    """Decide from the cancellation reasons why a vote transaction did not commit."""
    code = _client_error_code(exc)  # not exc.cause_response_code: it fails on timeouts (no response)
    if code != "TransactionCanceledException":
        if code in THROTTLE_CODES:
            return VoteRejected("busy")
        if code is not None and code not in ("InternalServerError", "ServiceUnavailable"):
            return VoteRejected("rejected")
        return VoteRejected("unknown")  # a timeout or a server error: the write may have committed
    reasons = list(exc.cancellation_reasons)
    ballot_reason = reasons.pop(0) if vote.ballot_key is not None else None
    shard_reason = reasons.pop(0) if reasons else None
    ip_reason = reasons.pop(0) if reasons else None
    shard_failed = shard_reason is not None and shard_reason.code == "ConditionalCheckFailed"
    shard = _shard_state(shard_reason.raw_item if shard_reason else None) if shard_failed else None
    if shard is not None and not shard.exists:
        return VoteRejected("shard", shard)
    if ballot_reason is not None and ballot_reason.code == "ConditionalCheckFailed":
        old = BallotModel.from_raw_data(ballot_reason.raw_item) if ballot_reason.raw_item else None
        own = old is not None and old.request_id == vote.request_id
        return VoteRejected("own_ballot" if own else "already_voted")
    if shard is not None:
        return VoteRejected("shard", shard)
    if ip_reason is not None and ip_reason.code == "ConditionalCheckFailed":
        return VoteRejected("ip_limit")
    all_codes = {r.code for r in exc.cancellation_reasons if r is not None}
    if "TransactionConflict" in all_codes:
        return VoteRejected("conflict")
    if all_codes & THROTTLE_CODES or "ThrottlingError" in all_codes:
        return VoteRejected("busy")
    return VoteRejected("rejected")


def _shard_state(raw: dict[str, Any] | None) -> ShardState:
    if not raw:
        return ShardState(exists=False)
    shard = ShardModel.from_raw_data(raw)
    return ShardState(
        exists=True,
        epoch=shard.epoch,
        closed=bool(shard.closed),
        opens_at=int(shard.opens_at),
        closes_at=None if shard.closes_at is None else int(shard.closes_at),
        options=frozenset(shard.counts.as_dict()),
    )


def ballot_exists(ballot_key: str) -> bool:
    """Tell whether a ballot with this key exists (one GetItem)."""
    _conn()
    try:
        BallotModel.get(ballot_key, consistent_read=True, attributes_to_get=["pk"])
        return True
    except BallotModel.DoesNotExist:
        return False
    except (PynamoDBException, BotoCoreError, ClientError) as exc:
        raise _unavailable(exc) from exc
