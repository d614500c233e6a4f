"""A per-IP token bucket for the vote route, kept in the process (defence in depth behind the WAF rule)."""

from __future__ import annotations

import math
import threading
import time

from chalicelib.core.errors import RateLimited
from chalicelib.runtime import state
from chalicelib.runtime.settings import get_settings

MAX_TRACKED = 10_000


class TokenBuckets:
    """Token buckets keyed by client, refilled continuously; the oldest entries go first when full."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated_at)

    def take(self, key: str, rate: float, burst: float) -> float:
        """Take one token; return 0 when allowed, else the seconds until one is available."""
        now = time.monotonic()
        with self._lock:
            tokens, updated = self._buckets.pop(key, (burst, now))
            tokens = min(burst, tokens + (now - updated) * rate)
            if len(self._buckets) >= MAX_TRACKED:
                del self._buckets[next(iter(self._buckets))]
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / rate

    def clear(self) -> None:
        """Forget every bucket (tests)."""
        with self._lock:
            self._buckets.clear()


_votes = TokenBuckets()


def check_vote(source_ip: str | None) -> None:
    """Raise RateLimited when this IP sends votes faster than the stage allows."""
    settings = get_settings()
    if settings.vote_rate_per_second <= 0 or not source_ip:
        return
    wait = _votes.take(source_ip, settings.vote_rate_per_second, settings.vote_burst)
    if wait > 0:
        raise RateLimited("too many votes from this address; slow down", retry_after=max(1, math.ceil(wait)))


def reset() -> None:
    """Forget every bucket (tests)."""
    _votes.clear()


state.register("vote_rate_limit", reset)
