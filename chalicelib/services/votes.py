"""Casting a vote: check it, commit it exactly once in one transaction, answer with the results."""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

from chalicelib.core.addresses import address_prefix
from chalicelib.core.errors import (
    AddressLimitReached,
    AlreadyVoted,
    ChallengeUsed,
    IpLimitReached,
    PollClosed,
    PollNotOpen,
    ServiceUnavailable,
    TryAgain,
)
from chalicelib.core.poll import Poll
from chalicelib.core.votes import (
    Rejection,
    ShardState,
    VoteRejected,
    VoteRequest,
    check_choices,
    check_open,
    check_proof_given,
    choose_shard,
    parse_vote,
)
from chalicelib.runtime import clock, observability
from chalicelib.runtime.secrets import keyed_hash
from chalicelib.runtime.settings import get_settings
from chalicelib.services import catalog, challenges, resharding, results
from chalicelib.store.adapters import store
from chalicelib.store.port import SpentProof, VoteWrite, WindowCount

DAY = 86400


def _backoff(attempt: int) -> None:
    """Sleep a full-jitter exponential backoff before another attempt."""
    time.sleep(random.uniform(0, min(0.5, 0.02 * 2**attempt)))


def address_hash(poll: Poll, source_ip: str) -> str:
    """Return the keyed hash that identifies an address in a poll (no address is stored)."""
    return keyed_hash("ip", poll.scope, source_ip)


def source_hash(poll: Poll, source_ip: str) -> str:
    """Return the opaque id of an address prefix in a poll (forensics' source; no address is stored)."""
    settings = get_settings()
    return keyed_hash(
        "source", poll.scope, address_prefix(source_ip, settings.address_prefix_v4, settings.address_prefix_v6)
    )[:32]


def _window(poll: Poll, source: str, now: int) -> WindowCount | None:
    """Return the address prefix's counter for the current window, when the poll limits addresses."""
    limit = poll.address_limit
    if limit is None:
        return None
    start = limit.window_start(now)
    key = keyed_hash("window", poll.scope, source, str(start))
    return WindowCount(key_hash=key, limit=limit.votes, expires_at=start + limit.seconds + 60)


def ballot_expiry(poll: Poll, now: int) -> int:
    """Return when a ballot of this poll may be forgotten: retention days after it closes."""
    settings = get_settings()
    end = poll.closes_at if poll.closes_at is not None else now + settings.open_ended_days * DAY
    return max(end, now) + settings.retention_days * DAY


def cast(poll_id: str, body: Any, source_ip: str | None, lang: str | None = None) -> dict[str, Any]:
    """Validate and commit one vote; return the 201 body (its results in the language asked for, if any)."""
    request = parse_vote(body)
    poll = catalog.poll(poll_id)
    check_choices(poll, request)
    check_open(poll.window, clock.now())
    proof = challenges.verify(poll, check_proof_given(poll, request), source_ip)
    poll = _commit(poll, request, source_ip or "unknown", proof, lang)
    observability.count(observability.VOTE_ACCEPTED)
    return {"poll_id": poll.id, "options": request.options, "results": results.for_voter(poll, request.options, lang)}


def _write(
    poll: Poll, request: VoteRequest, shard: int, request_id: str, source_ip: str, *, proof: SpentProof | None
) -> None:
    """Write one attempt of the vote transaction."""
    now = int(clock.now())
    voter = request.voter if poll.block.keeps_ballots else None
    source = source_hash(poll, source_ip)
    store().write_vote(
        VoteWrite(
            poll=poll,
            options=request.options,
            shard=shard,
            now=now,
            request_id=request_id,
            voter_hash=None if voter is None else results.voter_hash(poll, voter),
            address_hash=address_hash(poll, source_ip) if poll.block.limits_addresses else None,
            expires_at=ballot_expiry(poll, now),
            source_hash=source if voter is not None else None,
            window=_window(poll, source, now),
            proof=proof,
        )
    )


def _commit(poll: Poll, request: VoteRequest, source_ip: str, proof: SpentProof | None, lang: str | None) -> Poll:
    """Commit the vote, retrying conflicts elsewhere and unknown outcomes safely; return the poll it counted in."""
    request_id = uuid.uuid4().hex
    shard = choose_shard(poll.shards)
    attempts = get_settings().vote_attempts
    for attempt in range(attempts):
        try:
            _write(poll, request, shard, request_id, source_ip, proof=proof)
            resharding.note_attempt(poll, contended=False)
            return poll
        except VoteRejected as rejection:
            reason = rejection.reason
            if reason is Rejection.CONFLICT:
                observability.count(observability.TRANSACTION_CONFLICTS)
            if reason is Rejection.OWN_BALLOT:
                return poll  # an earlier attempt of this request committed
            if reason is Rejection.ALREADY_VOTED:
                raise AlreadyVoted(
                    "this browser has already voted in this poll",
                    extra={"results": results.for_voter(poll, None, lang)},
                ) from rejection
            if reason is Rejection.IP_LIMIT:
                raise IpLimitReached("too many votes from this network for this poll") from rejection
            if reason is Rejection.ADDRESS_WINDOW:
                raise _window_full(poll) from rejection
            if reason is Rejection.PROOF_USED:
                raise ChallengeUsed("this proof has already been used; solve a new challenge") from rejection
            if reason is Rejection.REFUSED:
                raise ServiceUnavailable("the vote could not be stored, try again shortly") from rejection
            if reason is Rejection.SHARD:
                poll = _after_shard_refusal(poll, request, rejection.shard)
                shard = choose_shard(poll.shards)  # the refreshed poll may have other shards
                continue
            if reason is Rejection.UNKNOWN and not poll.block.keeps_ballots:
                # Without a ballot a retry could count the vote twice: let the caller decide.
                raise TryAgain("the vote may not have been counted; try again") from rejection
            if reason in (Rejection.CONFLICT, Rejection.BUSY):
                poll = resharding.note_attempt(poll, contended=True) or poll
                shard = choose_shard(poll.shards, avoid=shard)  # another partition key
            if attempt + 1 < attempts:
                observability.count(observability.VOTE_RETRIES)
                _backoff(attempt)
    raise TryAgain("the poll is very busy; try again with the same voter token")


def _window_full(poll: Poll) -> AddressLimitReached:
    """Explain a full address window, with the seconds until the next one."""
    limit = poll.address_limit
    now = int(clock.now())
    wait = 60 if limit is None else limit.window_start(now) + limit.seconds - now
    return AddressLimitReached("too many votes from this network recently; try again later", retry_after=max(1, wait))


def _after_shard_refusal(poll: Poll, request: VoteRequest, state: ShardState | None) -> Poll:
    """Explain a shard's refusal as an API error, or return a fresh definition to retry with."""
    if state is not None and state.window is not None and state.incarnation == poll.incarnation:
        try:
            check_open(state.window, int(clock.now()))
        except (PollClosed, PollNotOpen):
            catalog.forget(poll.id)
            raise
    # The cached definition was stale (the poll was deleted, re-created, reshaped or its options
    # changed): read it again (PollNotFound when it is gone) and retry with that.
    fresh = catalog.fresh_poll(poll.id)
    check_choices(fresh, request)
    return fresh
