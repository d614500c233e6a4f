"""A small thread-safe in-process cache with a time to live per entry."""

from __future__ import annotations

import threading
import time
from typing import Generic, TypeVar

V = TypeVar("V")


class TTLCache(Generic[V]):
    """Map keys to values that expire a fixed number of seconds after they were stored."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, V]] = {}
        self._max_entries = max_entries

    def get(self, key: str, ttl: float) -> tuple[float, V] | None:
        """Return (stored_at, value) if stored less than ttl seconds ago (monotonic clock)."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] >= ttl:
            return None
        return entry

    def put(self, key: str, value: V) -> None:
        """Store a value now."""
        with self._lock:
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            self._entries[key] = (time.monotonic(), value)

    def replace(self, key: str, stored_at: float, value: V) -> None:
        """Store a value keeping an earlier stored_at (it is as old as the data it came from)."""
        with self._lock:
            self._entries[key] = (stored_at, value)

    def invalidate(self, key: str) -> None:
        """Forget one key."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
