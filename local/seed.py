"""Many polls stored fast, straight through the store's models, as the API would have: benchmarks and tests."""

from __future__ import annotations

import secrets

from chalicelib.core.poll import Block, Option, Poll, Visibility
from chalicelib.runtime import clock
from chalicelib.store.dynamo.connection import conn
from chalicelib.store.dynamo.models import PollModel, ShardModel
from chalicelib.store.dynamo.polls import poll_to_model, shard_model


def seed_active_polls(count: int, shards: int = 10, prefix: str = "bulk") -> list[str]:
    """Store open polls and their shards directly with batch writes (fast), as the API would have."""
    conn()
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
                results_visibility=Visibility.ALWAYS,
                block=Block.VOTER,
                ip_limit=20,
                shards=shards,
                created_at=now - 60,
                incarnation=secrets.token_hex(4),
            )
            poll_batch.save(poll_to_model(poll))
            for shard in range(shards):
                shard_batch.save(shard_model(poll, shard))
            ids.append(poll.id)
    return ids
