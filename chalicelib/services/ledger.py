"""Walking a poll's ballots through the by-poll index: every bucket, page by page, resumable at any page."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from chalicelib.core.forensics import BallotRecord
from chalicelib.core.ledger import INDEX_BUCKETS
from chalicelib.core.poll import Poll
from chalicelib.store.adapters import store

READERS = 8  # buckets read at once
WALK_PAGE = 100  # ballots a walk's page holds: a void marks each, so a page fits well within its time budget


@dataclass(frozen=True)
class Position:
    """Where a walk goes on: a bucket, and where in it (None: at its start)."""

    bucket: int = 0
    key: dict[str, Any] | None = None

    @property
    def done(self) -> bool:
        """Tell whether every bucket has been read."""
        return self.bucket >= INDEX_BUCKETS

    def as_dict(self) -> dict[str, Any]:
        """Return the position as JSON-ready data (to store between runs)."""
        return {"bucket": self.bucket, "key": self.key}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Position:
        """Read a stored position (None: the start)."""
        return cls() if not data else cls(int(data.get("bucket", 0)), data.get("key"))


def _bucket(poll: Poll, bucket: int, since: int | None, until: int | None) -> list[BallotRecord]:
    """Read one bucket whole."""
    found: list[BallotRecord] = []
    start: dict[str, Any] | None = None
    while True:
        page = store().index_page(poll, bucket, start, since, until)
        found += page.ballots
        if page.next_key is None:
            return found
        start = page.next_key


def every_ballot(poll: Poll, since: int | None = None, until: int | None = None) -> Iterator[BallotRecord]:
    """Yield every ballot of the poll's incarnation (voided ones too), reading READERS buckets at once."""
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        for ballots in pool.map(lambda b: _bucket(poll, b, since, until), range(INDEX_BUCKETS)):
            yield from ballots


def pages(poll: Poll, since: int | None = None, until: int | None = None) -> Iterator[list[BallotRecord]]:
    """Yield the poll's ballots page by page, bucket by bucket in order; READERS buckets' first pages read at once.

    At most READERS pages are held, never a whole bucket: for a reader that streams (the analytics export).
    """
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        for first in range(0, INDEX_BUCKETS, READERS):
            buckets = range(first, min(first + READERS, INDEX_BUCKETS))
            heads = list(pool.map(lambda b: store().index_page(poll, b, None, since, until), buckets))
            for bucket, head in zip(buckets, heads, strict=True):
                yield head.ballots
                start = head.next_key
                while start is not None:
                    page = store().index_page(poll, bucket, start, since, until)
                    yield page.ballots
                    start = page.next_key


def walk(
    poll: Poll,
    position: Position,
    visit: Callable[[list[BallotRecord]], None],
    deadline: float,
    *,
    since: int | None = None,
    until: int | None = None,
) -> Position:
    """Visit the ballots page by page (WALK_PAGE at most: each visit may write every ballot of its page) from a
    position until done or the deadline (monotonic); return where it got."""
    while not position.done and time.monotonic() < deadline:
        page = store().index_page(poll, position.bucket, position.key, since, until, limit=WALK_PAGE)
        visit(page.ballots)
        position = Position(position.bucket, page.next_key) if page.next_key else Position(position.bucket + 1)
    return position
