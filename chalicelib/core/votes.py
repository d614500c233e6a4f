"""Votes: the shape of a vote request, its checks against a poll, and why a write was refused."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.core.errors import (
    ChallengeFailed,
    ChallengeRequired,
    InvalidJson,
    InvalidOption,
    InvalidVoter,
    InvalidWriteIn,
    PollClosed,
    PollNotOpen,
)
from chalicelib.core.poll import Challenge, Poll, Status, Window
from chalicelib.core.times import to_iso
from chalicelib.core.write_ins import WriteIn, normalise

VOTER_RE = re.compile(r"[A-Za-z0-9_-]{8,128}")
VOTE_FIELDS = {"options", "voter", "proof", "other"}
MAX_CHOSEN = 20
MAX_PROOF = 4096  # an ALTCHA payload is about 700 characters, a Turnstile token about 2,000


@dataclass(frozen=True)
class VoteRequest:
    """A vote body whose shape has been checked: chosen option ids, an optional voter token and proof."""

    options: list[str]
    voter: str | None
    proof: str | None = None
    other: WriteIn | None = None  # a write-in answer (counts as one of the poll's max_choices)


def check_voter(voter: Any) -> str:
    """Validate a voter token's shape."""
    if not isinstance(voter, str) or not VOTER_RE.fullmatch(voter):
        raise InvalidVoter("voter must be 8 to 128 characters of A-Z, a-z, 0-9, '_' or '-'")
    return voter


def parse_vote(body: Any) -> VoteRequest:
    """Check the vote body's shape before any read: options and an optional voter."""
    if not isinstance(body, dict):
        raise InvalidJson("the body must be a JSON object with 'options' and 'voter'")
    unknown = set(body) - VOTE_FIELDS
    if unknown:
        raise InvalidJson(f"unknown field '{sorted(unknown)[0][:40]}'")
    other = None if body.get("other") is None else normalise(body["other"])
    options = body.get("options", [] if other is not None else None)
    if not isinstance(options, list) or not (options or other):
        raise InvalidOption("options must be a non-empty list of option ids (or empty, with 'other')")
    if not all(isinstance(o, str) for o in options) or len(options) > MAX_CHOSEN:
        raise InvalidOption(f"options must be a list of up to {MAX_CHOSEN} option ids")
    if len(set(options)) != len(options):
        raise InvalidOption("each option may be chosen once")
    voter = body.get("voter")
    proof = body.get("proof")
    if proof is not None and (not isinstance(proof, str) or not 0 < len(proof) <= MAX_PROOF):
        raise ChallengeFailed(
            f"proof must be the solved challenge's payload, a string of at most {MAX_PROOF} characters"
        )
    voter = None if voter is None else check_voter(voter)
    return VoteRequest(options=options, voter=voter, proof=proof, other=other)


def check_choices(poll: Poll, request: VoteRequest) -> None:
    """Check a vote against the poll: a voter token where ballots are kept, known options, not too many."""
    if request.voter is None and poll.block.keeps_ballots:
        raise InvalidVoter("a voter token is required")
    known = set(poll.option_ids())
    unknown = [o for o in request.options if o not in known]
    if unknown:
        raise InvalidOption(f"unknown option '{unknown[0][:40]}'")
    if request.other is not None and not poll.write_in:
        raise InvalidWriteIn("this poll takes no write-in answers ('other')")
    if len(request.options) + (request.other is not None) > poll.max_choices:
        raise InvalidOption(f"choose at most {poll.max_choices} option(s), a write-in included")


def check_proof_given(poll: Poll, request: VoteRequest) -> str | None:
    """Return the proof a poll's challenge asks for (None when it asks none), or raise ChallengeRequired."""
    if poll.challenge is Challenge.NONE:
        return None
    if request.proof is None:
        what = "a solved proof of work" if poll.challenge is Challenge.PROOF_OF_WORK else "a Turnstile token"
        raise ChallengeRequired(f"this poll needs {what} in 'proof' (GET /polls/{poll.id}/challenge)")
    return request.proof


def check_open(window: Window, now: float) -> None:
    """Raise PollClosed or PollNotOpen unless the window is open now."""
    status = window.status_at(now)
    if status is Status.CLOSED:
        raise PollClosed("the poll is closed")
    if status is Status.SCHEDULED:
        raise PollNotOpen(f"the poll opens at {to_iso(window.opens_at)}")


class Rejection(StrEnum):
    """Why a vote transaction did not commit."""

    ALREADY_VOTED = "already_voted"  # another request of this voter has a ballot
    OWN_BALLOT = "own_ballot"  # this request's own earlier attempt committed
    IP_LIMIT = "ip_limit"  # the address has used up the poll's limit
    ADDRESS_WINDOW = "address_window"  # the address prefix has used up this window's allowance
    PROOF_USED = "proof_used"  # the proof of work was spent on an earlier vote
    TOKEN_USED = "token_used"  # the Private Access Token that made the proof cheaper was spent on an earlier vote
    CONFLICT = "conflict"  # another transaction held an item (voters behind one address prefix): retry
    IN_PROGRESS = "in_progress"  # an earlier attempt with this request's token may still commit: retry with it
    BUSY = "busy"  # throttled: not committed, retry after a pause
    REFUSED = "refused"  # refused for another reason: not committed
    UNKNOWN = "unknown"  # a timeout or server error: the write may have committed


@dataclass(frozen=True)
class OwnBallot:
    """A voter's ballot as their own results need it: what they chose, when (epoch second), whether voided."""

    options: tuple[str, ...]
    at: int
    voided: bool = False

    def newer_than(self, counted_at: float | None) -> bool:
        """Tell whether published counts from `counted_at` cannot hold this ballot yet (None: nothing published).

        The fold takes a second or more (its batching window), so counts published in the ballot's own second or
        earlier do not hold it."""
        return not self.voided and (counted_at is None or self.at >= int(counted_at))


class VoteRejected(Exception):
    """A vote's write did not commit; `reason` says why (`ballot`: the voter's earlier one, if known)."""

    def __init__(self, reason: Rejection, ballot: OwnBallot | None = None, retry_at: int | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.ballot = ballot
        self.retry_at = retry_at  # a full window: when its next one starts
