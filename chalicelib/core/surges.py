"""Surges: a network or address block whose share of a poll's votes leaps, and what that raises.

The fold counts each poll's votes per minute per network (AS number) and per block (the keyed hash of an IPv4 /24 or
IPv6 /48). A key whose share of the poll's votes in the last `window` minutes is over `factor` times its share in
the `trailing` minutes before (or, with no share before, over half), with at least `floor` votes, surges at level 1
(its readers' proofs take COST_FACTORS[1] times the steps); over `factor_2` and `floor_2`, level 2. A surge lapses
by itself `cooldown` minutes after the rule last saw it; an editor may lift it, and the rule then leaves that key
alone for `hold` minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.core.times import to_iso

UNKNOWN_NETWORK = "unknown"  # a vote whose network the edge did not say: never surges
LEVELS = (0, 1, 2)
COST_FACTORS = {0: 1, 1: 8, 2: 64}  # what a level multiplies the proof of work's cost by
TURNSTILE_LEVEL = 2  # from this level a stage with Turnstile asks the reader for it instead of a proof of work
MAX_SURGES = 100  # surges one poll holds at once (the busiest keys win): the poll's catalog read stays small


class SurgeKind(StrEnum):
    """What surges: a network (AS number) or an address block (keyed hash of its /24 or /48)."""

    NETWORK = "network"
    BLOCK = "block"


@dataclass(frozen=True)
class SurgeRule:
    """The surge rule's numbers (settings SURGE_*): minutes compared, factors and floors of each level, cool-down."""

    window: int = 5
    trailing: int = 60
    factor: float = 10.0
    floor: int = 400
    factor_2: float = 30.0
    floor_2: int = 1200
    cooldown: int = 15
    hold: int = 60

    def level(self, recent: int, trailing: int, poll_recent: int, poll_trailing: int) -> int:
        """Return the level a key's votes earn: `recent` in the last `window` minutes and `trailing` in the
        `trailing` minutes before them, against the poll's votes of the key's kind in the same minutes. Over a floor,
        a key surges when its share of the poll's votes grew over the factor, so a poll-wide rush (a launch, a push
        alert) raises no key; a key with no share before must hold over half of the poll's recent votes."""
        earned = 0
        for level, factor, floor in ((1, self.factor, self.floor), (2, self.factor_2, self.floor_2)):
            if recent < floor:
                continue
            if trailing == 0 and 2 * recent > poll_recent:
                earned = level
            elif trailing > 0 and recent * poll_trailing > factor * trailing * poll_recent:
                earned = level
        return earned

    def as_dict(self) -> dict[str, Any]:
        """Return the rule as the API shows it."""
        return {
            "window_minutes": self.window,
            "trailing_minutes": self.trailing,
            "levels": [
                {"level": 1, "factor": self.factor, "floor": self.floor, "cost_factor": COST_FACTORS[1]},
                {"level": 2, "factor": self.factor_2, "floor": self.floor_2, "cost_factor": COST_FACTORS[2]},
            ],
            "cooldown_minutes": self.cooldown,
            "lift_minutes": self.hold,
        }

    def split(self, minutes: Mapping[int, int], now: int) -> tuple[int, int]:
        """Return a key's votes in the recent window and in the trailing minutes before it, from votes per minute
        (keyed by the minute's start, epoch seconds); the current minute counts as recent."""
        current = now // 60
        recent = sum(n for minute, n in minutes.items() if current - self.window < minute // 60 <= current)
        start = current - self.window - self.trailing
        trailing = sum(n for minute, n in minutes.items() if start < minute // 60 <= current - self.window)
        return recent, trailing


@dataclass(frozen=True)
class Surge:
    """A key's surge in a poll: its level (0: lifted by an editor), since and until when (epoch seconds)."""

    kind: SurgeKind
    key: str
    level: int
    since: int
    until: int
    recent: int = 0  # votes in the window when last raised or extended
    trailing: int = 0  # votes in the trailing minutes then
    lifted_by: str | None = None  # the editor who lifted it (level 0 until `until`)

    def level_at(self, now: float) -> int:
        """Return the level in force at `now` (0 once it lapsed)."""
        return self.level if now < self.until else 0

    def as_dict(self) -> dict[str, Any]:
        """Return the API representation (forensics, GET /polls/{id}/surges); `lifted_by` only when lifted."""
        lifted = {} if self.lifted_by is None else {"lifted_by": self.lifted_by}
        return {
            "kind": self.kind.value,
            "key": self.key,
            "level": self.level,
            "cost_factor": COST_FACTORS[self.level],
            "since": to_iso(self.since),
            "until": to_iso(self.until),
            "recent_votes": self.recent,
            "trailing_votes": self.trailing,
            **lifted,
        }


def required_level(surges: Iterable[Surge], network: str, block: str | None, now: float) -> int:
    """Return the level a reader's proof must meet: the highest of its network's and its block's surges."""
    wanted = {(SurgeKind.NETWORK, network), (SurgeKind.BLOCK, block)}
    return max((s.level_at(now) for s in surges if (s.kind, s.key) in wanted), default=0)


def decide(
    rule: SurgeRule,
    current: Surge | None,
    key: tuple[SurgeKind, str],
    votes: tuple[int, int],
    now: int,
    *,
    poll: tuple[int, int],
) -> Surge | None:
    """Return the surge to store for a key given its votes and the poll's of its kind (recent, trailing each), or
    None when nothing changes: a
    raise or a higher level starts or moves it, a key still over the rule is extended (at most once a minute), a
    lifted key is left alone until its hold ends."""
    if current is not None and current.lifted_by is not None and now < current.until:
        return None
    level = rule.level(*votes, *poll)
    in_force = 0 if current is None else current.level_at(now)
    if level == 0:
        return None
    until = now + rule.cooldown * 60
    if level <= in_force and current is not None and until - current.until < 60:
        return None
    since = now if in_force == 0 or current is None else current.since
    return Surge(key[0], key[1], max(level, in_force), since, until, votes[0], votes[1])
