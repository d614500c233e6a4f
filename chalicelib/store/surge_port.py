"""The storage port's surges (part of the Store port in port.py): the fold's counters and the surges."""

from __future__ import annotations

from typing import Protocol

from chalicelib.core.poll import Poll
from chalicelib.core.surges import Surge, SurgeKind


class SurgeStore(Protocol):
    """The fold's votes per minute per network and block, and the surges the rule and editors write."""

    def add_to_rates(
        self, poll: Poll, shard: str, minute: int, adds: dict[tuple[SurgeKind, str], int], expires_at: int
    ) -> None:
        """Add a stream shard's votes to a poll's counters of one minute (approximate: a redelivered batch adds
        again)."""

    def rates(self, poll: Poll, since: int) -> dict[tuple[SurgeKind, str], dict[int, int]]:
        """Return a poll's votes per key per minute (epoch seconds of the minute) from `since` on."""

    def surges(self, poll: Poll) -> list[Surge]:
        """Return the poll's stored surges (strongly consistent)."""

    def put_surge(self, poll: Poll, surge: Surge, previous: Surge | None) -> bool:
        """Store a surge if the stored one is still `previous` (None: none); False if not."""

    def delete_surge(self, poll: Poll, surge: Surge) -> bool:
        """Delete a surge if it is still as read; False if not."""
