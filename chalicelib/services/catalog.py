"""The process's catalog: each poll's definition and published results as last read, kept about a second.

A cold read is one Query of two small items: the definition and the publisher's summary of the poll's tallies
(services.edge.publish_changed). Both are trusted for POLL_CACHE_SECONDS (and RESULTS_CACHE_SECONDS), 1 s: an
editor's close, reopen or extension reaches every process within it, and however many tallies a viral poll has, a
process reads its partition at most once a second (ops/capacity.py). Entries are immutable and swapped whole under
a lock, so concurrent requests never see half an update.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from chalicelib.core.errors import PollNotFound
from chalicelib.core.poll import Poll
from chalicelib.core.validation import validate_poll_id
from chalicelib.runtime import state
from chalicelib.runtime.settings import get_settings
from chalicelib.store.adapters import store
from chalicelib.store.port import Published

NOT_FOUND_SECONDS = 1.0  # how long a missing poll is remembered as missing
MAX_ENTRIES = 4096


@dataclass(frozen=True)
class Entry:
    """A poll as read (None: it does not exist), when (monotonic), and when on the wall clock."""

    published: Published | None
    read_at: float
    wall: float


_lock = threading.Lock()
_entries: dict[str, Entry] = {}


def lifetime() -> float:
    """Return how long an entry is trusted."""
    settings = get_settings()
    return min(settings.poll_cache_seconds, settings.results_cache_seconds)


def _get(poll_id: str) -> Entry | None:
    with _lock:
        return _entries.get(poll_id)


def _put(poll_id: str, entry: Entry) -> None:
    with _lock:
        if len(_entries) >= MAX_ENTRIES and poll_id not in _entries:
            _entries.clear()
        _entries[poll_id] = entry


def _read(poll_id: str) -> Entry:
    """Read the definition and the published results (one Query); a missing poll is remembered a second."""
    now, wall = time.monotonic(), time.time()
    try:
        found = store().read_published(poll_id, consistent=False)
    except PollNotFound:
        _put(poll_id, Entry(None, now, wall))
        raise
    entry = Entry(found, now, wall)
    _put(poll_id, entry)
    return entry


def read(poll_id: str) -> tuple[Published, float, bool]:
    """Return a poll as published, when it was read (epoch seconds), and whether it was read now (not cached)."""
    validate_poll_id(poll_id)
    entry = _get(poll_id)
    age = None if entry is None else time.monotonic() - entry.read_at
    if entry is not None and entry.published is None and age is not None and age < NOT_FOUND_SECONDS:
        raise PollNotFound(f"no poll with id '{poll_id}'")
    if entry is None or entry.published is None or age is None or age >= lifetime():
        entry = _read(poll_id)
        assert entry.published is not None
        return entry.published, entry.wall, True
    return entry.published, entry.wall, False


def poll(poll_id: str) -> Poll:
    """Return a poll's definition, at most POLL_CACHE_SECONDS old."""
    return read(poll_id)[0].poll


def fresh_poll(poll_id: str) -> Poll:
    """Read a poll's definition from the store now (strongly consistent), keeping the cached results."""
    validate_poll_id(poll_id)
    try:
        found = store().get_poll(poll_id)
    except PollNotFound:
        forget(poll_id)
        raise
    remember(found)
    return found


def remember(found: Poll) -> None:
    """Keep a definition read or written here (with the cached results, if they are of the same incarnation)."""
    entry = _get(found.id)
    if entry is not None and entry.published is not None and entry.published.poll.incarnation == found.incarnation:
        _put(found.id, Entry(replace(entry.published, poll=found), entry.read_at, entry.wall))
    else:
        forget(found.id)


def created(found: Poll) -> None:
    """Keep a poll just created: it has no votes yet, so it is whole without a read."""
    _put(found.id, Entry(Published(poll=found), time.monotonic(), time.time()))


def gone(poll_id: str) -> None:
    """Remember for a second that a poll no longer exists (it was just deleted)."""
    _put(poll_id, Entry(None, time.monotonic(), time.time()))


def forget(poll_id: str) -> None:
    """Forget a poll (after it was changed elsewhere, or its results were corrected)."""
    with _lock:
        _entries.pop(poll_id, None)


def reset() -> None:
    """Forget every poll."""
    with _lock:
        _entries.clear()


state.register("catalog", reset)
