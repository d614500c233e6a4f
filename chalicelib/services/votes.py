"""Casting a vote: check it, write it exactly once in one request, answer with the folded results and the vote.

Every item the vote writes is keyed by the voter (or, when repeats count, by the request) or by what guards it:
two voters never write one item, so votes never conflict with each other or with an editor's change. The open
window is the definition's (at most POLL_CACHE_SECONDS old), checked against the vote's own time.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import replace
from typing import Any

from chalicelib.core import quiz
from chalicelib.core.addresses import address_prefix, block_of
from chalicelib.core.audience import NOWHERE, Dimensions
from chalicelib.core.errors import (
    AddressLimitReached,
    AlreadyVoted,
    ChallengeUsed,
    IpLimitReached,
    ServiceUnavailable,
    TryAgain,
)
from chalicelib.core.poll import Allowance, Poll
from chalicelib.core.votes import (
    OwnBallot,
    Rejection,
    VoteRejected,
    VoteRequest,
    check_choices,
    check_open,
    check_proof_given,
    parse_vote,
)
from chalicelib.runtime import clock, observability
from chalicelib.runtime.secrets import keyed_hash
from chalicelib.runtime.settings import get_settings
from chalicelib.services import catalog, challenges, results, retention, surges, write_ins
from chalicelib.store.adapters import store
from chalicelib.store.port import SpentProof, VoteWrite, WindowCount

BACKOFF_BASE, BACKOFF_CAP = 0.02, 0.5  # attempt n waits uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**n)) seconds
RETRIED = frozenset({Rejection.CONFLICT, Rejection.BUSY, Rejection.IN_PROGRESS, Rejection.UNKNOWN})


def _backoff(attempt: int) -> None:
    """Sleep a full-jitter exponential backoff before another attempt."""
    time.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)))


def address_hash(poll: Poll, source_ip: str) -> str:
    """Return the keyed hash that identifies an address in a poll (no address is stored)."""
    return keyed_hash("ip", poll.scope, source_ip)


def source_hash(poll: Poll, source_ip: str) -> str:
    """Return the opaque id of an address prefix in a poll (forensics' source; no address is stored)."""
    settings = get_settings()
    return keyed_hash(
        "source", poll.scope, address_prefix(source_ip, settings.address_prefix_v4, settings.address_prefix_v6)
    )[:32]


def _count(poll: Poll, unit: str, allowance: Allowance, now: int) -> WindowCount:
    """Return a unit's counter (a prefix's opaque id, or a block) in its allowance's current window."""
    start = allowance.window_start(now)
    key = keyed_hash("window", poll.scope, unit, str(start))
    return WindowCount(key_hash=key, limit=allowance.votes, ends_at=start + allowance.seconds)


def _windows(poll: Poll, source: str, source_ip: str, now: int) -> tuple[WindowCount, ...]:
    """Return the counters the vote checks and bumps: its prefix's, and each wider block's the poll limits."""
    limit = poll.address_limit
    if limit is None:
        return ()
    counts = [_count(poll, source, limit, now)]
    for block, allowance in sorted(limit.blocks.items()):
        network = block_of(source_ip, block)
        if network is not None:
            counts.append(_count(poll, f"{block.value}:{network}", allowance, now))
    return tuple(counts)


def cast(
    poll_id: str,
    body: Any,
    source_ip: str | None,
    lang: str | None = None,
    dimensions: Dimensions = NOWHERE,
    *,
    network: str = "unknown",
) -> dict[str, Any]:
    """Validate and write one vote, with where it came from (the audience's dimensions, the reader's network);
    return the 201 body (its results in the language asked for, if any)."""
    request = parse_vote(body)
    poll = catalog.poll(poll_id)
    check_choices(poll, request)
    chosen = write_ins.chosen(poll, request)
    now = int(clock.now())
    check_open(poll.window, now)
    proof = challenges.verify(poll, check_proof_given(poll, request), source_ip, network)
    vote = _vote(poll, request, source_ip or "unknown", proof, now, chosen=chosen, dimensions=dimensions)
    _commit(replace(vote, network=network, block_hash=surges.block_hash(poll, source_ip)), lang)
    observability.count(observability.VOTE_ACCEPTED)
    ballot = OwnBallot(tuple(chosen), now)
    shown = results.for_voter(poll, ballot, lang, just_written=True)
    answer = quiz.reveal(poll, chosen, lang)
    return {"poll_id": poll.id, "options": chosen, "results": shown, **({"quiz": answer} if answer else {})}


def _vote(
    poll: Poll,
    request: VoteRequest,
    source_ip: str,
    proof: SpentProof | None,
    now: int,
    *,
    chosen: list[str],
    dimensions: Dimensions,
) -> VoteWrite:
    """Return what the vote writes: the same for every attempt, so a retry can only find its own ballot."""
    request_id = uuid.uuid4().hex
    by_request = not poll.block.keeps_ballots or request.voter is None
    ballot_hash = (
        keyed_hash("request", poll.scope, request_id) if by_request else results.voter_hash(poll, str(request.voter))
    )
    source = source_hash(poll, source_ip)
    return VoteWrite(
        poll=poll,
        options=chosen,
        now=now,
        request_id=request_id,
        ballot_hash=ballot_hash,
        by_request=by_request,
        expires_at=retention.ballot_expiry(poll, now),
        source_hash=source,
        address_hash=address_hash(poll, source_ip) if poll.block.limits_addresses else None,
        windows=_windows(poll, source, source_ip, now),
        proof=proof,
        dimensions=dimensions,
        right=bool(quiz.markers(poll, chosen)),
        other=None if request.other is None else request.other.text,
    )


def _commit(vote: VoteWrite, lang: str | None) -> None:
    """Write the vote, retrying what may pass on a second try with the very same request (and token)."""
    attempts = get_settings().vote_attempts
    for attempt in range(attempts):
        try:
            store().write_vote(vote)
            return
        except VoteRejected as rejection:
            reason = rejection.reason
            if reason is Rejection.OWN_BALLOT:
                return  # an earlier attempt of this request committed
            if reason not in RETRIED:
                raise _refusal(vote.poll, rejection, lang) from rejection
            if reason is Rejection.CONFLICT:
                observability.count(observability.TRANSACTION_CONFLICTS)
            if attempt + 1 < attempts:
                observability.count(observability.VOTE_RETRIES)
                _backoff(attempt)
    raise TryAgain("the poll is very busy; try again with the same voter token")


def _refusal(poll: Poll, rejection: VoteRejected, lang: str | None) -> Exception:
    """Explain a vote's refusal as the API's error (to a voter who already voted: the results with their ballot)."""
    reason = rejection.reason
    if reason is Rejection.ALREADY_VOTED:
        shown = results.for_voter(poll, rejection.ballot, lang)
        return AlreadyVoted("this browser has already voted in this poll", extra={"results": shown})
    if reason is Rejection.IP_LIMIT:
        return IpLimitReached("too many votes from this network for this poll")
    if reason is Rejection.ADDRESS_WINDOW:
        return _window_full(rejection)
    if reason is Rejection.PROOF_USED:
        return ChallengeUsed("this proof has already been used; solve a new challenge")
    if reason is Rejection.TOKEN_USED:
        return ChallengeUsed("this Private Access Token was already spent on a vote; solve a challenge without it")
    return ServiceUnavailable("the vote could not be stored, try again shortly")


def _window_full(rejection: VoteRejected) -> AddressLimitReached:
    """Explain a full address window (the prefix's or a block's), with the seconds until the next one."""
    wait = 60 if rejection.retry_at is None else rejection.retry_at - int(clock.now())
    return AddressLimitReached("too many votes from this network recently; try again later", retry_after=max(1, wait))
