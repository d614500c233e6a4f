"""One registry of per-process state, so tests and the local stack can reset a process in one call."""

from __future__ import annotations

from collections.abc import Callable

_resets: dict[str, Callable[[], None]] = {}


def register(name: str, reset: Callable[[], None]) -> None:
    """Register how to forget one piece of process state (called at import by its owner)."""
    _resets[name] = reset


def reset_all() -> None:
    """Forget every registered piece of process state, as a fresh Lambda container would start."""
    for reset in list(_resets.values()):
        reset()


def registered() -> list[str]:
    """Return the names of the registered pieces of state."""
    return sorted(_resets)
