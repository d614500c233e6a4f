"""The process's catalog: cached poll definitions and tallies, with one rule for forgetting both."""

from __future__ import annotations

import time

from chalicelib.core.counts import Tally
from chalicelib.core.errors import PollNotFound
from chalicelib.core.poll import Poll
from chalicelib.core.validation import validate_poll_id
from chalicelib.runtime import state
from chalicelib.runtime.cache import TTLCache
from chalicelib.runtime.settings import get_settings
from chalicelib.store.adapters import store

NOT_FOUND_SECONDS = 1.0  # how long a missing poll is remembered as missing

_definitions: TTLCache[Poll | None] = TTLCache()
_tallies: TTLCache[Tally] = TTLCache()


def poll(poll_id: str) -> Poll:
    """Return a poll's definition from the process cache or the store."""
    validate_poll_id(poll_id)
    entry = _definitions.get(poll_id, get_settings().poll_cache_seconds)
    if entry is not None:
        stored_at, cached = entry
        if cached is not None:
            return cached
        if time.monotonic() - stored_at < NOT_FOUND_SECONDS:
            raise PollNotFound(f"no poll with id '{poll_id}'")
    try:
        found = store().get_poll(poll_id)
    except PollNotFound:
        _definitions.put(poll_id, None)
        raise
    _definitions.put(poll_id, found)
    return found


def cached_poll(poll_id: str) -> Poll | None:
    """Return the cached definition, if any, without reading the store."""
    entry = _definitions.get(poll_id, get_settings().poll_cache_seconds)
    return None if entry is None else entry[1]


def remember(poll_id: str, found: Poll | None) -> None:
    """Cache a definition read or written elsewhere (None: the poll does not exist)."""
    _definitions.put(poll_id, found)


def fresh_poll(poll_id: str) -> Poll:
    """Read a poll's definition from the store, bypassing and refreshing the cache."""
    forget(poll_id)
    return poll(poll_id)


def tally(poll_id: str) -> tuple[float, Tally] | None:
    """Return (stored_at, tally) if a fresh tally is cached."""
    return _tallies.get(poll_id, get_settings().results_cache_seconds)


def remember_tally(poll_id: str, value: Tally, stored_at: float | None = None) -> None:
    """Cache a tally, now or keeping an earlier stored_at (it is as old as the data it came from)."""
    if stored_at is None:
        _tallies.put(poll_id, value)
    else:
        _tallies.replace(poll_id, stored_at, value)


def expire_tally(poll_id: str) -> None:
    """Drop only the cached tally, as when its second has passed (the definition stays cached)."""
    _tallies.invalidate(poll_id)


def forget(poll_id: str) -> None:
    """Drop a poll's cached definition and tally (after a change, or when a write saw they were stale)."""
    _definitions.invalidate(poll_id)
    _tallies.invalidate(poll_id)


def reset() -> None:
    """Forget every cached definition and tally."""
    _definitions.clear()
    _tallies.clear()


state.register("catalog", reset)
