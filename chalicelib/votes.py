"""Casting a vote: validate it, commit it exactly once in one transaction, answer with results."""

from __future__ import annotations

import random
import re
import time
import uuid
from typing import Any

from chalicelib import clock, polls, results, storage
from chalicelib.domain import Poll
from chalicelib.errors import (
    AlreadyVoted,
    InvalidJson,
    InvalidOption,
    InvalidVoter,
    IpLimitReached,
    PollClosed,
    PollNotOpen,
    ServiceUnavailable,
    TryAgain,
)
from chalicelib.hashing import keyed_hash
from chalicelib.settings import get_settings

VOTER_RE = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
VOTE_FIELDS = {"options", "voter"}
DAY = 86400


def choose_shard(shards: int, avoid: int | None = None) -> int:
    """Pick a shard uniformly at random, avoiding one (the shard that just conflicted) if possible."""
    if shards <= 1:
        return 0
    if avoid is None:
        return random.randrange(shards)
    pick = random.randrange(shards - 1)
    return pick + 1 if pick >= avoid else pick


def _backoff(attempt: int) -> None:
    """Sleep a full-jitter exponential backoff before another attempt."""
    time.sleep(random.uniform(0, min(0.5, 0.02 * 2**attempt)))


def check_voter(voter: Any) -> str:
    """Validate a voter token's shape."""
    if not isinstance(voter, str) or not VOTER_RE.match(voter):
        raise InvalidVoter("voter must be 8 to 128 characters of A-Z, a-z, 0-9, '_' or '-'")
    return voter


def ballot_key(poll: Poll, voter: str) -> str:
    """Return the key of a voter's ballot in a poll (a keyed hash: no token is stored)."""
    return "b#" + keyed_hash("ballot", poll.scope, voter)


def ip_key(poll: Poll, source_ip: str) -> str:
    """Return the key of an IP address's counter in a poll (a keyed hash: no IP is stored)."""
    return "ip#" + keyed_hash("ip", poll.scope, source_ip)


def _check_options(poll: Poll, options: list[str]) -> None:
    known = set(poll.option_ids())
    unknown = [o for o in options if o not in known]
    if unknown:
        raise InvalidOption(f"unknown option '{unknown[0][:40]}'")
    if len(options) > poll.max_choices:
        raise InvalidOption(f"choose at most {poll.max_choices} option(s)")


def _parse(body: Any) -> tuple[list[str], str | None]:
    """Check the vote body's shape before any read: options and an optional voter."""
    if not isinstance(body, dict):
        raise InvalidJson("the body must be a JSON object with 'options' and 'voter'")
    unknown = set(body) - VOTE_FIELDS
    if unknown:
        raise InvalidJson(f"unknown field '{sorted(unknown)[0][:40]}'")
    options = body.get("options")
    if not isinstance(options, list) or not options:
        raise InvalidOption("options must be a non-empty list of option ids")
    if not all(isinstance(o, str) for o in options) or len(options) > 20:
        raise InvalidOption("options must be a list of up to 20 option ids")
    if len(set(options)) != len(options):
        raise InvalidOption("each option may be chosen once")
    voter = body.get("voter")
    return options, None if voter is None else check_voter(voter)


def _status_error(poll: Poll, now: float) -> None:
    status = poll.status_at(now)
    if status == "closed":
        raise PollClosed("the poll is closed")
    if status == "scheduled":
        raise PollNotOpen(f"the poll opens at {clock.to_iso(poll.opens_at)}")


def _results_if_visible(poll: Poll, options: list[str] | None) -> dict[str, Any] | None:
    now = clock.now()
    if not results.visible_to_voter(poll, now):
        return None
    tally = results.after_vote(poll, options) if options is not None else results.current(poll.id)
    return results.to_body(tally, now)


def _expiry(poll: Poll, now: int) -> int:
    """Return when a ballot of this poll may be forgotten: retention days after it closes."""
    settings = get_settings()
    end = poll.closes_at if poll.closes_at is not None else now + settings.open_ended_days * DAY
    return max(end, now) + settings.retention_days * DAY


def cast(poll_id: str, body: Any, source_ip: str | None) -> dict[str, Any]:
    """Validate and commit one vote; return the 201 body."""
    options, voter = _parse(body)
    poll = polls.get(poll_id)
    if voter is None and poll.block != "none":
        raise InvalidVoter("a voter token is required")
    _check_options(poll, options)
    _status_error(poll, clock.now())
    _commit(poll, options, voter, source_ip or "unknown")
    return {"poll_id": poll.id, "options": options, "results": _results_if_visible(poll, options)}


def _commit(poll: Poll, options: list[str], voter: str | None, source_ip: str) -> None:
    """Write the vote transaction, retrying conflicts elsewhere and unknown outcomes safely."""
    attempts = get_settings().vote_attempts
    request_id = uuid.uuid4().hex
    shard = choose_shard(poll.shards)
    for attempt in range(attempts):
        now = int(clock.now())
        vote = storage.VoteWrite(
            poll=poll,
            options=options,
            shard=shard,
            now=now,
            request_id=request_id,
            ballot_key=None if poll.block == "none" or voter is None else ballot_key(poll, voter),
            ip_key=ip_key(poll, source_ip) if poll.block == "voter_and_ip" else None,
            expires_at=_expiry(poll, now),
        )
        try:
            storage.write_vote(vote)
            return
        except storage.VoteRejected as rejection:
            reason = rejection.reason
            if reason == "own_ballot":
                return  # an earlier attempt of this request committed
            if reason == "already_voted":
                raise AlreadyVoted(
                    "this browser has already voted in this poll",
                    extra={"results": _results_if_visible(poll, None)},
                ) from rejection
            if reason == "ip_limit":
                raise IpLimitReached("too many votes from this network for this poll") from rejection
            if reason == "shard":
                poll = _after_shard_refusal(poll, options, rejection.shard, now)
                shard = choose_shard(poll.shards)  # the refreshed poll may have fewer shards
                continue
            if reason == "rejected":
                raise ServiceUnavailable("the vote could not be stored, try again shortly") from rejection
            if reason == "unknown" and vote.ballot_key is None:
                # Without a ballot a retry could count the vote twice: let the caller decide.
                raise TryAgain("the vote may not have been counted; try again") from rejection
            if reason == "conflict":
                shard = choose_shard(poll.shards, avoid=shard)
            _backoff(attempt)
    raise TryAgain("the poll is very busy; try again with the same voter token")


def _after_shard_refusal(poll: Poll, options: list[str], state: storage.ShardState | None, now: int) -> Poll:
    """Explain a shard's refusal as an API error, or return a fresh definition to retry with."""
    if state is not None and state.exists and state.epoch == poll.epoch:
        if state.closed or (state.closes_at is not None and state.closes_at <= now):
            polls.forget(poll.id)
            raise PollClosed("the poll is closed")
        if state.opens_at is not None and state.opens_at > now:
            polls.forget(poll.id)
            raise PollNotOpen(f"the poll opens at {clock.to_iso(state.opens_at)}")
    # The cached definition was stale (the poll was deleted, re-created, reshaped or its options
    # changed): read it again (PollNotFound when it is gone) and retry with that.
    fresh = polls.fresh(poll.id)
    _check_options(fresh, options)
    return fresh


def has_voted(poll: Poll, voter: str) -> bool:
    """Tell whether this voter token has a ballot in the poll."""
    check_voter(voter)
    if poll.block == "none":
        return False
    return storage.ballot_exists(ballot_key(poll, voter))
