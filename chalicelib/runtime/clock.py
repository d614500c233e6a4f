"""The current time, in one place so tests can move it."""

from __future__ import annotations

import time


def now() -> float:
    """Return the current time as seconds since the epoch."""
    return time.time()
