"""Many polls stored fast, straight through the store's models, as the API would have: benchmarks and tests."""

from __future__ import annotations

import secrets

from chalicelib.core.poll import Block, Option, Poll, Visibility
from chalicelib.runtime import clock
from chalicelib.runtime.settings import get_settings
from chalicelib.services import retention
from chalicelib.store.dynamo.definitions import poll_to_model
from chalicelib.store.dynamo.tables import Tables


def seed_active_polls(count: int, prefix: str = "bulk") -> list[str]:
    """Store open polls directly with batch writes (fast), as the API would have (their tallies come with votes)."""
    model = Tables.build(get_settings()).polls
    now = int(clock.now())
    ids = []
    with model.batch_write() as batch:
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
                created_at=now - 60,
                incarnation=secrets.token_hex(4),
            )
            batch.save(poll_to_model(model, retention.kept(poll, now)))
            ids.append(poll.id)
    return ids
