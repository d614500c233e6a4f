"""Benchmark 4: handler overhead: a vote and a results read through the app, against the bare storage call."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pynamodb.transactions import TransactWrite

from bench import harness

# The costs of the vote path itself: polls without a challenge or address window (bench/stuffing.py measures those).
UNPROTECTED = {"challenge": "none", "address_limit": None}

from chalicelib.store.dynamo.keys import shard_key

from bench.harness import Section, Spread
from chalicelib.runtime.settings import get_settings
from chalicelib.services import catalog
from chalicelib.store.dynamo.connection import conn
from chalicelib.store.dynamo.models import BallotModel, ShardModel

ROUNDS = 5
ITERATIONS = 40
QUICK_ROUNDS = 1
QUICK_ITERATIONS = 3


def _bare_vote(poll_id: str) -> None:
    """The vote's transaction alone: a conditional ballot put and a counter add, through PynamoDB."""
    with TransactWrite(connection=conn(), client_request_token=str(uuid.uuid4())) as tx:
        tx.save(
            BallotModel(
                pk="b#" + uuid.uuid4().hex,
                slot=f"{poll_id}#000",
                options=["yes"],
                request_id=uuid.uuid4().hex,
                voted_at=int(time.time()),
                expires_at=timedelta(days=1),
            ),
            condition=BallotModel.pk.does_not_exist(),
        )
        tx.update(
            ShardModel(pk=shard_key(poll_id, 0)),
            actions=[ShardModel.voters.add(1), ShardModel.counts["yes"].set(ShardModel.counts["yes"] + 1)],
        )


def _bare_read(poll_id: str, shards: int) -> None:
    """The results read alone: one BatchGetItem of the poll item and its shards."""
    settings = get_settings()
    keys = [{"pk": {"S": shard_key(poll_id, s)}} for s in range(shards)]
    conn().client.batch_get_item(
        RequestItems={
            settings.polls_table: {"Keys": [{"id": {"S": poll_id}}], "ConsistentRead": True},
            settings.counters_table: {"Keys": keys, "ConsistentRead": True},
        }
    )


def _interleaved(ours: Callable[[], Any], bare: Callable[[], Any], rounds: int, iterations: int) -> dict[str, Spread]:
    """Time both alternately; per round, the median of each and their ratio."""
    ours_medians, bare_medians, ratios = [], [], []
    for _ in range(rounds):
        ours_times, bare_times = [], []
        for _ in range(iterations):
            ours_times.append(harness.timed(ours))
            bare_times.append(harness.timed(bare))
        ours_medians.append(statistics.median(ours_times) * 1000)
        bare_medians.append(statistics.median(bare_times) * 1000)
        ratios.append(ours_medians[-1] / bare_medians[-1])
    return {"ours": Spread(ours_medians), "bare": Spread(bare_medians), "ratio": Spread(ratios)}


def run(quick: bool = False) -> list[Section]:
    """Run benchmark 4."""
    rounds = QUICK_ROUNDS if quick else ROUNDS
    iterations = QUICK_ITERATIONS if quick else ITERATIONS
    section = Section("4. Handler overhead: through chalice.test.Client vs the bare storage call (same moto backend)")
    with harness.backend() as api, harness.unrecorded():
        poll = api.create_poll(**harness.POLL, **UNPROTECTED)
        poll_id = poll["id"]
        api.vote(poll_id, ["yes"], harness.new_voter())  # warm definition and tally

        def our_vote() -> None:
            api.vote(poll_id, ["yes"], harness.new_voter()).expect(201)

        def our_read() -> None:
            catalog.expire_tally(poll_id)  # past the 1 s window: the read goes to the store (definition stays cached)
            api.results(poll_id).expect(200)

        def cached_read() -> None:
            api.results(poll_id).expect(200)

        figures = {
            "vote (warm) vs bare TransactWriteItems": _interleaved(
                our_vote, lambda: _bare_vote(poll_id), rounds, iterations
            ),
            "results read (store) vs bare BatchGetItem": _interleaved(
                our_read, lambda: _bare_read(poll_id, 10), rounds, iterations
            ),
            "results read (within cache window) vs bare BatchGetItem": _interleaved(
                cached_read, lambda: _bare_read(poll_id, 10), rounds, iterations
            ),
        }
    rows = [
        [
            name,
            f["ours"].show(2, " ms"),
            f["bare"].show(2, " ms"),
            f["ratio"].show(2, "x"),
            f"{f['ours'].median - f['bare'].median:+.2f} ms",
        ]
        for name, f in figures.items()
    ]
    section.table(["operation", "ours, median", "bare, median", "ratio ours/bare", "difference of medians"], rows)
    section.notes += [
        f"{rounds} round(s) of {iterations} alternating calls each; per round the median latency of each and their "
        "ratio; shown as median (min–max) over rounds, all in this run. The difference is the handler's own work "
        "(routing, middleware, validation, keyed hashes, building the answer); the ratio depends on moto's speed, and "
        "against real DynamoDB (milliseconds per call plus network) it would sit closer to 1.",
        "Bare vote: PynamoDB TransactWrite of a conditional ballot put and a counter add on the same tables. "
        "Bare read: boto3 BatchGetItem of the poll item and its 10 shards, strongly consistent (what a store read "
        "of results does).",
    ]
    section.data = {name: {k: v.median for k, v in f.items()} for name, f in figures.items()}
    return [section]
