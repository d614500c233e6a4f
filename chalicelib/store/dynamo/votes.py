"""The vote transaction in DynamoDB, its cancellation decoded by named item, and ballot reads."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core.poll import Poll, Window
from chalicelib.core.votes import Rejection, ShardState, VoteRejected
from chalicelib.store.dynamo.connection import THROTTLE_CODES, NamedWrites, conn, error_code, named_reasons, translated
from chalicelib.store.dynamo.keys import address_key, ballot_key, proof_key, shard_key, slot, window_key
from chalicelib.store.dynamo.models import BallotModel, IpCounterModel, ProofModel, ShardModel
from chalicelib.store.port import VoteWrite

BALLOT, SHARD, ADDRESS, WINDOW, PROOF = "ballot", "shard", "address", "window", "proof"
SERVER_ERRORS = ("InternalServerError", "ServiceUnavailable")


def _open_condition(vote: VoteWrite) -> Any:
    """The shard's condition: this incarnation, open at the vote's time (Window.status_at, as DynamoDB checks it)."""
    return (
        ShardModel.pk.exists()
        & (ShardModel.epoch == vote.poll.incarnation)
        & (ShardModel.closed == False)  # noqa: E712 - a PynamoDB condition, not a comparison
        & (ShardModel.opens_at <= vote.now)
        & (ShardModel.closes_at.does_not_exist() | (ShardModel.closes_at > vote.now))
    )


def _items(tx: NamedWrites, vote: VoteWrite) -> None:
    """Add the vote's items to a transaction, each named."""
    expires = datetime.fromtimestamp(vote.expires_at, tz=UTC)
    if vote.voter_hash is not None:
        ballot = BallotModel(
            pk=ballot_key(vote.voter_hash),
            slot=slot(vote.poll, vote.shard),
            options=vote.options,
            request_id=vote.request_id,
            voted_at=vote.now // 60 * 60,  # the minute is enough for forensics, and tells less
            src=vote.source_hash,
            expires_at=expires,
        )
        tx.save(BALLOT, ballot, condition=BallotModel.pk.does_not_exist(), return_values="ALL_OLD")
    if vote.proof is not None:
        spent = ProofModel(
            pk=proof_key(vote.proof.proof_id), expires_at=datetime.fromtimestamp(vote.proof.expires_at, UTC)
        )
        tx.save(PROOF, spent, condition=ProofModel.pk.does_not_exist())
    condition = _open_condition(vote)
    actions: list[Any] = [ShardModel.voters.add(1)]
    for option_id in vote.options:
        condition &= ShardModel.counts[option_id].exists()
        actions.append(ShardModel.counts[option_id].set(ShardModel.counts[option_id] + 1))
    shard = ShardModel(pk=shard_key(vote.poll.id, vote.shard))
    tx.update(SHARD, shard, actions=actions, condition=condition, return_values="ALL_OLD")
    if vote.address_hash is not None:
        tx.update(
            ADDRESS,
            IpCounterModel(pk=address_key(vote.address_hash)),
            actions=[IpCounterModel.n.add(1), IpCounterModel.expires_at.set(expires)],
            condition=IpCounterModel.n.does_not_exist() | (IpCounterModel.n < vote.poll.ip_limit),
        )
    if vote.window is not None:
        tx.update(
            WINDOW,
            IpCounterModel(pk=window_key(vote.window.key_hash)),
            actions=[
                IpCounterModel.n.add(1),
                IpCounterModel.expires_at.set(datetime.fromtimestamp(vote.window.expires_at, UTC)),
            ],
            condition=IpCounterModel.n.does_not_exist() | (IpCounterModel.n < vote.window.limit),
        )


def write_vote(vote: VoteWrite) -> None:
    """Commit one vote as a single TransactWriteItems: ballot, shard counters and address counter."""
    writes: NamedWrites | None = None
    try:
        with TransactWrite(connection=conn(), client_request_token=str(uuid.uuid4())) as tx:
            writes = NamedWrites(tx)
            _items(writes, vote)
    except TransactWriteError as exc:
        raise _rejection(exc, writes.order() if writes else [], vote) from exc


def _rejection(exc: TransactWriteError, names: list[str], vote: VoteWrite) -> VoteRejected:
    """Decide from the named cancellation reasons why a vote transaction did not commit."""
    code = error_code(exc)  # not exc.cause_response_code: it fails on timeouts (no response)
    if code != "TransactionCanceledException":
        if code in THROTTLE_CODES:
            return VoteRejected(Rejection.BUSY)
        if code is not None and code not in SERVER_ERRORS:
            return VoteRejected(Rejection.REFUSED)
        return VoteRejected(Rejection.UNKNOWN)  # a timeout or a server error: the write may have committed
    reasons = named_reasons(exc, names)
    codes = {name: reason.code for name, reason in reasons.items()}
    shard = _shard_state(reasons[SHARD].raw_item) if codes.get(SHARD) == "ConditionalCheckFailed" else None
    if shard is not None and not shard.exists:
        return VoteRejected(Rejection.SHARD, shard)
    if codes.get(BALLOT) == "ConditionalCheckFailed":
        raw = reasons[BALLOT].raw_item
        old = BallotModel.from_raw_data(raw) if raw else None
        own = old is not None and old.request_id == vote.request_id
        return VoteRejected(Rejection.OWN_BALLOT if own else Rejection.ALREADY_VOTED)
    if shard is not None:
        return VoteRejected(Rejection.SHARD, shard)
    if codes.get(PROOF) == "ConditionalCheckFailed":
        return VoteRejected(Rejection.PROOF_USED)
    if codes.get(ADDRESS) == "ConditionalCheckFailed":
        return VoteRejected(Rejection.IP_LIMIT)
    if codes.get(WINDOW) == "ConditionalCheckFailed":
        return VoteRejected(Rejection.ADDRESS_WINDOW)
    all_codes = set(codes.values())
    if "TransactionConflict" in all_codes:
        return VoteRejected(Rejection.CONFLICT)
    if all_codes & THROTTLE_CODES or "ThrottlingError" in all_codes:
        return VoteRejected(Rejection.BUSY)
    return VoteRejected(Rejection.REFUSED)


def _shard_state(raw: dict[str, Any] | None) -> ShardState:
    """Read what a refusing shard held (its incarnation and window), or a shard that does not exist."""
    if not raw:
        return ShardState()
    shard = ShardModel.from_raw_data(raw)
    closes_at = None if shard.closes_at is None else int(shard.closes_at)
    return ShardState(incarnation=shard.epoch, window=Window(int(shard.opens_at), closes_at, bool(shard.closed)))


def ballot_exists(poll: Poll, voter_hash: str) -> bool:
    """Tell whether a ballot with this key exists (one GetItem)."""
    conn()
    with translated():
        try:
            BallotModel.get(ballot_key(voter_hash), consistent_read=True, attributes_to_get=["pk"])
        except BallotModel.DoesNotExist:
            return False
    return True


def ballots_in_shard(poll: Poll, shard: int) -> Iterator[list[str]]:
    """Yield the chosen options of every ballot in one poll shard, via the by-slot index (no scan)."""
    conn()
    with translated():
        for ballot in BallotModel.slot_index.query(slot(poll, shard), attributes_to_get=["options"]):
            yield list(ballot.options or [])
