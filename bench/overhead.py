"""Benchmark 4: handler overhead: a vote and a results read through the app, against the bare storage call."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from bench import harness
from bench.harness import Section, Spread
from chalicelib.core.ledger import INDEX_BUCKETS
from chalicelib.runtime.clients import client
from chalicelib.runtime.settings import get_settings
from chalicelib.services import catalog
from chalicelib.store.dynamo.models import DEFINITION
from chalicelib.store.dynamo.polls import SUMMARY
from local.streams import fold_now

# The costs of the vote path itself: polls without a challenge or address window (bench/stuffing.py measures those).
UNPROTECTED = {"challenge": "none", "address_limit": None}
ROUNDS = 5
ITERATIONS = 40
QUICK_ROUNDS = 1
QUICK_ITERATIONS = 3


def _bare_vote(poll_id: str) -> None:
    """The vote's one request alone: a conditional PutItem of a ballot shaped as the API's (boto3)."""
    hashed = uuid.uuid4().hex
    now = int(time.time())
    client("dynamodb").put_item(
        TableName=get_settings().ballots_table,
        Item={
            "pk": {"S": "b#" + hashed},
            "poll": {"S": poll_id},
            "inc": {"S": "bench"},
            "options": {"L": [{"S": "yes"}]},
            "request_id": {"S": uuid.uuid4().hex},
            "at": {"N": str(now)},
            "pb": {"S": f"{poll_id}:bench#{int(hashed[:4], 16) % INDEX_BUCKETS:02x}"},
            "expires_at": {"N": str(now + 86400)},
        },
        ConditionExpression="attribute_not_exists(pk)",
    )


def _bare_read(poll_id: str) -> None:
    """The results read alone: one Query of the poll's definition and published summary (boto3)."""
    client("dynamodb").query(
        TableName=get_settings().polls_table,
        KeyConditionExpression="id = :id AND part BETWEEN :lo AND :hi",
        ExpressionAttributeValues={":id": {"S": poll_id}, ":lo": {"S": DEFINITION}, ":hi": {"S": SUMMARY}},
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
        api.vote(poll_id, ["yes"], harness.new_voter())  # warm definition and results
        fold_now()  # its ballot folded and published: the reads below find a summary, as a hot poll's would

        def our_vote() -> None:
            api.vote(poll_id, ["yes"], harness.new_voter()).expect(201)

        def our_read() -> None:
            catalog.forget(poll_id)  # past the 1 s window: the read goes to the store (one Query)
            api.results(poll_id).expect(200)

        def cached_read() -> None:
            api.results(poll_id).expect(200)

        figures = {
            "vote (warm) vs bare PutItem": _interleaved(our_vote, lambda: _bare_vote(poll_id), rounds, iterations),
            "results read (store) vs bare Query": _interleaved(
                our_read, lambda: _bare_read(poll_id), rounds, iterations
            ),
            "results read (within cache window) vs bare Query": _interleaved(
                cached_read, lambda: _bare_read(poll_id), rounds, iterations
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
        "against real DynamoDB (milliseconds per call plus network) it would sit closer to 1. Our warm votes re-read "
        "the poll (one Query) when the process's copy is a second old, as a busy container does.",
        "Bare vote: boto3 PutItem of a ballot shaped as the API's, on condition that it is new (what a warm vote on a "
        "poll without a challenge or address window sends: its one request). Bare read: boto3 Query of the poll's "
        "definition and published summary, eventually consistent (what a results read from the store sends).",
    ]
    section.data = {name: {k: v.median for k, v in f.items()} for name, f in figures.items()}
    return [section]
