"""Domain values shared by the poll, vote and result code: a poll's definition and its counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.clock import to_iso

VISIBILITIES = ("always", "after_vote", "after_close", "never")
BLOCK_MODES = ("voter", "voter_and_ip", "none")


@dataclass(frozen=True)
class Option:
    """One answer of a poll."""

    id: str
    label: str


@dataclass(frozen=True)
class Poll:
    """A poll's definition as the domain sees it; times are epoch seconds."""

    id: str
    question: str
    options: tuple[Option, ...]
    opens_at: int
    closes_at: int | None
    closed: bool
    max_choices: int
    results_visibility: str
    block: str
    ip_limit: int
    shards: int
    created_at: int
    epoch: str

    @property
    def scope(self) -> str:
        """Identify this incarnation of the poll id (used in ballot keys)."""
        return f"{self.id}/{self.epoch}"

    def status_at(self, now: float) -> str:
        """Return "scheduled", "open" or "closed" at the given time."""
        if self.closed or (self.closes_at is not None and self.closes_at <= now):
            return "closed"
        if now < self.opens_at:
            return "scheduled"
        return "open"

    def option_ids(self) -> list[str]:
        """Return the option ids in display order."""
        return [option.id for option in self.options]

    def public_dict(self, now: float) -> dict[str, Any]:
        """Return the public representation (GET /polls/{id})."""
        return {
            "id": self.id,
            "question": self.question,
            "options": [{"id": o.id, "label": o.label} for o in self.options],
            "status": self.status_at(now),
            "opens_at": to_iso(self.opens_at),
            "closes_at": to_iso(self.closes_at),
            "max_choices": self.max_choices,
            "results_visibility": self.results_visibility,
        }

    def admin_dict(self, now: float) -> dict[str, Any]:
        """Return the full representation editors see."""
        body = self.public_dict(now)
        repeat: dict[str, Any] = {"block": self.block}
        if self.block == "voter_and_ip":
            repeat["ip_limit"] = self.ip_limit
        body.update(repeat_votes=repeat, shards=self.shards, created_at=to_iso(self.created_at))
        return body


@dataclass
class Counts:
    """Votes per option and voters, summed over a poll's shards."""

    votes: dict[str, int] = field(default_factory=dict)
    voters: int = 0

    def add(self, option_ids: list[str]) -> None:
        """Add one ballot's choices."""
        for option_id in option_ids:
            self.votes[option_id] = self.votes.get(option_id, 0) + 1
        self.voters += 1

    def merge(self, votes: dict[str, int], voters: int) -> Counts:
        """Add another tally's votes per option and voters (a shard's, or the rest of a poll's)."""
        for option_id, count in votes.items():
            self.votes[option_id] = self.votes.get(option_id, 0) + int(count)
        self.voters += int(voters)
        return self

    def copy(self) -> Counts:
        """Return an independent copy."""
        return Counts(votes=dict(self.votes), voters=self.voters)
