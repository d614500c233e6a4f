"""Shared by the tests and the benchmarks: a fresh process's state, and many polls seeded fast."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from chalicelib import aws, clock, polls, ratelimit, results, settings, storage
from chalicelib.domain import Option, Poll
from chalicelib.models import PollModel, ShardModel


def reset_process_state() -> None:
    """Forget every per-process cache, client and connection, as a fresh Lambda would."""
    settings.reset()
    aws.reset()
    storage.reset()
    polls.reset_cache()
    results.reset_cache()
    ratelimit.reset()


@contextmanager
def applied_environment(env: dict[str, str]) -> Iterator[None]:
    """Run with these environment variables and a fresh process state; restore both afterwards."""
    saved = dict(os.environ)
    os.environ.update(env)
    reset_process_state()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_process_state()


def seed_active_polls(count: int, shards: int = 10, prefix: str = "bulk") -> list[str]:
    """Store open polls and their shards directly with batch writes (fast), as the API would have."""
    storage._conn()
    now = int(clock.now())
    ids = []
    with PollModel.batch_write() as poll_batch, ShardModel.batch_write() as shard_batch:
        for index in range(count):
            poll = Poll(
                id=f"{prefix}-{index:04d}",
                question=f"Bulk question {index}?",
                options=(Option("yes", "Yes"), Option("no", "No")),
                opens_at=now - 60,
                closes_at=None,
                closed=False,
                max_choices=1,
                results_visibility="always",
                block="voter",
                ip_limit=20,
                shards=shards,
                created_at=now - 60,
                epoch=secrets.token_hex(4),
            )
            poll_batch.save(storage._poll_to_model(poll))
            for shard in range(shards):
                shard_batch.save(storage._shard_model(poll, shard))
            ids.append(poll.id)
    return ids
