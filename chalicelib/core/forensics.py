"""Forensics: ballots grouped by their (hashed) source, and the rules of voiding one source's ballots.

Each source also lists its ballots by country, site and surface, exactly: no small group is merged into "other"
here, unlike the editors' audience (core/audience.py). A source is already one address prefix whose every ballot,
minute and choice the report shows, so merging would hide nothing about a voter, only the very signal an
investigation looks for (a source whose votes all come from one unknown site, or from programs).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.core.audience import DIMENSIONS, NOWHERE, Dimensions
from chalicelib.core.errors import InvalidJson, InvalidParameter
from chalicelib.core.times import parse_iso, to_iso

SOURCE_RE = re.compile(r"[0-9a-f]{32}")
# What a void names: one source, one network (an AS number) or one block (the keyed hash of a /24 or /48).
VOID_KEYS = {"source": SOURCE_RE, "network": re.compile(r"[1-9][0-9]{0,9}"), "block": SOURCE_RE}
MAX_SOURCES = 100
MAX_REASON = 500
VOID_FIELDS = {*VOID_KEYS, "from", "to", "reason", "dry_run"}


@dataclass(frozen=True)
class BallotRecord:
    """A ballot as forensics sees it: no voter, only a keyed hash of its address prefix."""

    key: str  # the store's own key of the ballot
    options: tuple[str, ...]
    source: str | None  # None for ballots cast without a known address
    minute: int  # epoch seconds of the minute the vote was cast
    voided: bool = False
    dimensions: Dimensions = NOWHERE  # where the vote came from ("unknown" where the ballot does not say)
    network: str = "unknown"  # the reader's AS number ("unknown" where the ballot does not say)
    block: str | None = None  # keyed hash of the reader's /24 or /48 (as a source's), None where not known
    right: bool = False  # a quiz's ballot that chose exactly the correct options when it was cast


@dataclass(frozen=True)
class VoidRequest:
    """Which ballots to void: one source (or network, or block: `by`), optionally within [start, end] (epoch
    seconds), and why."""

    source: str  # the key of what `by` names
    start: int | None
    end: int | None
    reason: str
    dry_run: bool = False
    by: str = "source"  # a key of VOID_KEYS

    def matches(self, ballot: BallotRecord) -> bool:
        """Tell whether a counted ballot falls under this request."""
        keys = {"source": ballot.source, "network": ballot.network, "block": ballot.block}
        if ballot.voided or keys[self.by] != self.source:
            return False
        return (self.start is None or ballot.minute >= self.start // 60 * 60) and (
            self.end is None or ballot.minute <= self.end
        )


@dataclass(frozen=True)
class VoidRecord:
    """One void: what it asked, what it has marked so far, and where it goes on (it runs in bounded pages)."""

    id: str
    request: VoidRequest
    voided: int
    options: dict[str, int]
    at: int
    complete: bool = False
    bucket: int = 0  # the by-poll index bucket it reads next
    cursor: dict[str, Any] | None = None  # where in that bucket
    actor: dict[str, Any] | None = None  # who asked (Actor.as_dict()), for the audit entry that ends it

    def as_dict(self) -> dict[str, Any]:
        """Return the API representation (GET /polls/{id}/voids)."""
        return {
            "id": self.id,
            self.request.by: self.request.source,
            "from": to_iso(self.request.start),
            "to": to_iso(self.request.end),
            "reason": self.request.reason,
            "voided": self.voided,
            "options": dict(self.options),
            "at": to_iso(self.at),
            "complete": self.complete,
        }


def _time(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        return int(parse_iso(value))
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidParameter(f"'{name}' must be an ISO 8601 time from 2000 to 2100, or null") from exc


def parse_void(body: Any) -> VoidRequest:
    """Check a void request body: {"source" | "network" | "block", "from"?, "to"?, "reason", "dry_run"?}."""
    if not isinstance(body, dict) or set(body) - VOID_FIELDS:
        raise InvalidJson(f"the body must be an object with only {', '.join(sorted(VOID_FIELDS))}")
    named = [name for name in VOID_KEYS if name in body]
    if len(named) != 1:
        raise InvalidJson("name one of 'source', 'network' or 'block' (from GET /polls/{poll_id}/forensics)")
    by, source = named[0], body[named[0]]
    if not isinstance(source, str) or not VOID_KEYS[by].fullmatch(source):
        raise InvalidJson(f"'{by}' must be a {by} id from GET /polls/{{poll_id}}/forensics or its surges")
    reason = body.get("reason")
    if not isinstance(reason, str) or not 1 <= len(reason.strip()) <= MAX_REASON:
        raise InvalidJson(f"'reason' must be a text of 1 to {MAX_REASON} characters")
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise InvalidJson("'dry_run' must be true or false")
    start, end = _time(body, "from"), _time(body, "to")
    if start is not None and end is not None and end < start:
        raise InvalidJson("'to' must not be before 'from'")
    return VoidRequest(source=source, start=start, end=end, reason=reason.strip(), dry_run=dry_run, by=by)


@dataclass
class _Source:
    votes: int = 0
    first: int = 0
    last: int = 0
    minutes: Counter[int] = field(default_factory=Counter)
    options: Counter[str] = field(default_factory=Counter)
    groups: dict[str, Counter[str]] = field(default_factory=lambda: {letter: Counter() for letter in DIMENSIONS})
    networks: Counter[str] = field(default_factory=Counter)
    block: str | None = None


def report(ballots: Iterable[BallotRecord], option_ids: list[str]) -> dict[str, Any]:
    """Group counted ballots by source: the busiest MAX_SOURCES first, with their minutes, choices and ballots
    per country, site and surface (exact, largest first)."""
    total = 0
    sources: dict[str, _Source] = {}
    for ballot in ballots:
        if ballot.voided:
            continue
        total += 1
        if ballot.source is None:
            continue
        found = sources.get(ballot.source)
        if found is None:
            found = sources[ballot.source] = _Source(first=ballot.minute, last=ballot.minute)
        found.votes += 1
        found.first, found.last = min(found.first, ballot.minute), max(found.last, ballot.minute)
        found.minutes[ballot.minute] += 1
        found.options.update(ballot.options)
        for letter, key in ballot.dimensions.keys().items():
            found.groups[letter][key] += 1
        found.networks[ballot.network] += 1
        found.block = ballot.block or found.block
    busiest = sorted(sources.items(), key=lambda item: (-item[1].votes, item[1].first, item[0]))[:MAX_SOURCES]
    return {
        "total_voters": total,
        "sources": [
            {
                "source": source,
                "votes": found.votes,
                "first": to_iso(found.first),
                "last": to_iso(found.last),
                "max_per_minute": max(found.minutes.values()),
                "options": {o: found.options.get(o, 0) for o in option_ids},
                **{name: _ranked(found.groups[letter]) for letter, name in DIMENSIONS.items()},
                "networks": _ranked(found.networks),
                **({} if found.block is None else {"block": found.block}),
            }
            for source, found in busiest
        ],
    }


def _ranked(counts: Counter[str]) -> dict[str, int]:
    """Return counts per key, largest first (ties by key)."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def tally(ballots: Iterable[BallotRecord], option_ids: list[str]) -> dict[str, int]:
    """Count the choices of some ballots per option."""
    counted = Counter(o for ballot in ballots for o in ballot.options)
    return {o: counted.get(o, 0) for o in option_ids}
