"""Resharding a live poll: raise its shard count in atomic steps, by an editor or on its own under contention."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from chalicelib.core.audit import AuditAction
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.identity import SYSTEM
from chalicelib.core.poll import Poll
from chalicelib.core.validation import MAX_SHARDS
from chalicelib.runtime import clock, observability, state
from chalicelib.runtime.settings import get_settings
from chalicelib.services import audit, catalog
from chalicelib.store.adapters import store
from chalicelib.store.port import SHARDS_PER_STEP, StaleDefinition

WINDOW_SECONDS = 60
STALE_RETRIES = 5

_lock = threading.Lock()
_windows: dict[str, tuple[int, int, int]] = {}  # poll id -> (window start, attempts, contended attempts)


def raise_shards(poll: Poll, shards: int) -> Poll:
    """Raise a poll's shards to at least `shards`, in steps of up to 99; return the poll as stored after.

    A concurrent change (close, reschedule, another raise) makes a step stale: the poll is read again
    and the raise goes on from what is stored, so two raisers never lose or duplicate a shard.
    """
    current = poll
    for _ in range(STALE_RETRIES + (shards - poll.shards) // SHARDS_PER_STEP + 1):
        if current.shards >= shards:
            catalog.forget(current.id)
            catalog.remember(current.id, current)
            return current
        step = min(shards, current.shards + SHARDS_PER_STEP)
        try:
            store().add_shards(current, step)
            current = replace(current, shards=step)
        except StaleDefinition:
            current = catalog.fresh_poll(current.id)
    raise ServiceUnavailable("the poll kept changing while its shards were raised; try again", retry_after=1)


def _window_start(now: float) -> int:
    return int(now) // WINDOW_SECONDS * WINDOW_SECONDS


def note_attempt(poll: Poll, contended: bool) -> Poll | None:
    """Count one vote attempt on a poll (and whether it met a conflict or throttle); reshard once per window.

    Each process counts what it sees: the share of its attempts that were contended estimates the poll's,
    however many processes vote. The first process past the threshold in a window claims the window on
    the poll item (one conditional write), so the poll is raised once a window. Returns the raised poll.
    """
    settings = get_settings()
    if settings.auto_reshard_min_attempts <= 0 or poll.shards >= MAX_SHARDS:
        return None
    window = _window_start(clock.now())
    with _lock:
        start, attempts, contended_attempts = _windows.get(poll.id, (window, 0, 0))
        if start != window:
            attempts, contended_attempts = 0, 0
        attempts, contended_attempts = attempts + 1, contended_attempts + int(contended)
        _windows[poll.id] = (window, attempts, contended_attempts)
    if not contended or attempts < settings.auto_reshard_min_attempts:
        return None
    if contended_attempts < settings.auto_reshard_conflict_share * attempts:
        return None
    with _lock:
        _windows[poll.id] = (window, 0, 0)  # this process has spoken for this window
    if not store().claim_reshard(poll, window):
        return None
    target = min(MAX_SHARDS, poll.shards * 2)
    started = time.monotonic()
    raised = raise_shards(poll, target)
    observability.count(observability.AUTO_RESHARDS)
    observability.log_event(
        "auto_reshard",
        poll_id=poll.id,
        shards_before=poll.shards,
        shards_after=raised.shards,
        attempts_in_window=attempts,
        contended_in_window=contended_attempts,
        seconds=round(time.monotonic() - started, 3),
    )
    why = {"attempts_in_window": attempts, "contended_in_window": contended_attempts}
    details = {"before": {"shards": poll.shards}, "after": {"shards": raised.shards}, "why": why}
    audit.record(SYSTEM, AuditAction.AUTO_RESHARD, poll.id, details)
    return raised


def reset() -> None:
    """Forget the contention counts."""
    with _lock:
        _windows.clear()


state.register("resharding", reset)
