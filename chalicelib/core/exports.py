"""The analytics export's domain: which day, where its files go, and a ballot as a row (never a voter or source).

A day's ballots go to `private/exports/ballots/day=YYYY-MM-DD/<poll id>.jsonl.gz`, gzip JSON Lines, one object per
poll with ballots cast that UTC day; the Glue table reads the prefix with `day` as its (projected) partition.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.core.errors import InvalidDay, InvalidJson
from chalicelib.core.forensics import BallotRecord
from chalicelib.core.poll import Poll
from chalicelib.core.times import to_iso

PREFIX = "private/exports/"
BALLOTS = PREFIX + "ballots/"  # the Glue table's location
RUNS = PREFIX + "runs/"  # each day's progress, for a run to carry on
DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
FIRST_DAY = date(2026, 1, 1)  # the first exportable day, and the Glue projection's first (infra/analytics.py)
CONTENT_TYPE = "application/gzip"
EXPORT_FIELDS = {"day"}
CLOSE_MARGIN = 60  # seconds a vote may still land after a close (processes learn of an editor's close within 1 s)


def day_of(epoch: float) -> str:
    """Return the UTC day (YYYY-MM-DD) holding an epoch second."""
    return datetime.fromtimestamp(int(epoch), tz=UTC).strftime("%Y-%m-%d")


def is_over(day: str, at: float) -> bool:
    """Tell whether a UTC day had ended at a time (a day not over may still get ballots)."""
    return day_range(day)[1] < int(at)


def yesterday(now: float) -> str:
    """Return the UTC day before the one holding `now`."""
    return day_of(now - 86400)


def day_range(day: str) -> tuple[int, int]:
    """Return the first and last epoch second of a UTC day."""
    start = int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp())
    return start, start + 86399


def parse_request(body: Any, now: float) -> str:
    """Return the day a POST /exports asks for (yesterday, UTC, when it names none); InvalidDay if it is bad."""
    if body is None:
        return yesterday(now)
    if not isinstance(body, dict):
        raise InvalidJson("the body must be a JSON object")
    unknown = sorted(set(body) - EXPORT_FIELDS)
    if unknown:
        raise InvalidJson(f"unknown field: {unknown[0]}")
    day = body.get("day")
    if day is None:
        return yesterday(now)
    if not isinstance(day, str) or not DAY_RE.fullmatch(day):
        raise InvalidDay("day must be a date as YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(day)
    except ValueError as exc:
        raise InvalidDay("day is not a calendar date") from exc
    if parsed < FIRST_DAY or parsed > datetime.fromtimestamp(now, tz=UTC).date():
        raise InvalidDay(f"day must be from {FIRST_DAY} to today (UTC)")
    return day


def may_hold_ballots(poll: Poll, day: str) -> bool:
    """Tell whether a poll can have ballots cast on a day: made by its end, and not closed before it began.

    A poll's closes_at is only ever set in the future, so no ballot of it is later; an editor's close stamps closed_at.
    """
    first, last = day_range(day)
    if poll.created_at > last:
        return False
    ended = [t for t in (poll.closes_at, poll.closed_at if poll.closed else None) if t is not None]
    return not ended or min(ended) + CLOSE_MARGIN >= first


def previous_days(day: str, count: int) -> list[str]:
    """Return the `count` days before a day, oldest first."""
    first = date.fromisoformat(day)
    return [(first - timedelta(days=n)).isoformat() for n in range(count, 0, -1)]


def object_key(day: str, poll_id: str) -> str:
    """Return the key of a poll's export for a day."""
    return f"{BALLOTS}day={day}/{poll_id}.jsonl.gz"


def day_prefix(day: str) -> str:
    """Return the prefix of a day's exports."""
    return f"{BALLOTS}day={day}/"


def run_key(day: str) -> str:
    """Return the key of a day's progress."""
    return f"{RUNS}{day}.json"


def row(poll_id: str, ballot: BallotRecord) -> dict[str, Any]:
    """Return a ballot as an export row: what it chose, its minute and origin, whether voided; no hash of anyone."""
    return {
        "poll": poll_id,
        "options": list(ballot.options),
        "minute": str(to_iso(ballot.minute))[:16] + "Z",
        "country": ballot.dimensions.country,
        "site": ballot.dimensions.site,
        "surface": ballot.dimensions.surface,
        "voided": ballot.voided,
    }


class JsonlGzip:
    """Rows written as gzip JSON Lines as they come: only the compressed bytes are held (mtime 0: a rerun is equal)."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self._out = gzip.GzipFile(fileobj=self._buffer, mode="wb", compresslevel=6, mtime=0)
        self.rows = 0

    def write(self, rows: Iterable[dict[str, Any]]) -> None:
        """Compress some rows onto the file."""
        for item in rows:
            self._out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
            self.rows += 1

    def close(self) -> bytes:
        """Finish the file and return its bytes."""
        self._out.close()
        return self._buffer.getvalue()


def jsonl_gzip(rows: Iterable[dict[str, Any]]) -> bytes:
    """Return rows as gzip-compressed JSON Lines."""
    writer = JsonlGzip()
    writer.write(rows)
    return writer.close()


@dataclass
class Progress:
    """A day's export so far: the polls done, the keys written, whether every poll is done (stale files gone)."""

    day: str
    done: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    complete: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the progress as JSON-ready data."""
        return {"day": self.day, "done": self.done, "keys": self.keys, "complete": self.complete}

    @classmethod
    def from_dict(cls, day: str, data: Any) -> Progress:
        """Read stored progress (anything unreadable: start again)."""
        if not isinstance(data, dict) or data.get("day") != day:
            return cls(day)
        done, keys = data.get("done"), data.get("keys")
        if not isinstance(done, list) or not isinstance(keys, list):
            return cls(day)
        return cls(day, [str(d) for d in done], [str(k) for k in keys], data.get("complete") is True)
