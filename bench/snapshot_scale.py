"""Benchmark 5: one snapshot run over 10, 100 and 1,000 active polls, and over 1,000 of which 10 changed."""

from __future__ import annotations

import time
from typing import Any

from bench import harness
from bench.harness import RECORDER, Section, Spread, fmt
from chalicelib.services import snapshots
from local.streams import fold_now
from ops.client import PollClient

SIZES = (10, 100, 1000)
QUICK_SIZES = (2, 10)
CHANGED = 10
QUICK_CHANGED = 2
REPEATS = 3
QUICK_REPEATS = 1


def _bump(api: PollClient, poll_ids: list[str]) -> None:
    """Vote once in each poll, then fold the votes into the polls' tallies and publish them, as the streams would."""
    for poll_id in poll_ids:
        api.vote(poll_id, ["yes"], harness.new_voter()).expect(201)
    fold_now()


def _run_measured(repeats: int, every_poll_changed: bool, before_each: Any = None) -> tuple[Spread, dict[str, Any]]:
    """Run the job `repeats` times; with every_poll_changed each run sees every poll as changed."""
    times = []
    totals: dict[str, Any] = {}
    original = snapshots.signature
    for attempt in range(repeats):
        if before_each is not None:
            before_each()
        if every_poll_changed:
            # A different fingerprint per run makes every poll look changed, so each repeat writes them all.
            snapshots.signature = lambda *args, _n=attempt: f"{original(*args)}-{_n}"  # type: ignore[assignment]
        try:
            RECORDER.clear()
            started = time.perf_counter()
            report = snapshots.run().as_dict()
            times.append(time.perf_counter() - started)
            totals = {**RECORDER.totals(), "operations": dict(RECORDER.count()), "written": report["written"]}
        finally:
            snapshots.signature = original  # type: ignore[assignment]
    return Spread(times), totals


def run(quick: bool = False) -> list[Section]:
    """Run benchmark 5."""
    sizes = QUICK_SIZES if quick else SIZES
    changed = QUICK_CHANGED if quick else CHANGED
    repeats = QUICK_REPEATS if quick else REPEATS
    section = Section("5. Snapshot scale: one run of the snapshot job")
    measured: list[tuple[str, Spread, dict[str, Any]]] = []
    with harness.backend():  # warm-up (imports, clients, moto's first requests), not measured
        harness.seed_active_polls(1)
        snapshots.run()
    for size in sizes:
        with harness.backend():
            harness.seed_active_polls(size)
            spread, totals = _run_measured(repeats, every_poll_changed=True)
            measured.append((f"{size:,} active, all changed", spread, totals))
    largest = sizes[-1]
    with harness.backend() as api:
        ids = harness.seed_active_polls(largest)
        snapshots.run()  # the first run writes every poll and records its fingerprint
        spread, totals = _run_measured(repeats, every_poll_changed=False, before_each=lambda: _bump(api, ids[:changed]))
        measured.append((f"{largest:,} active, {changed} changed", spread, totals))
    baseline = measured[0][1].median
    rows = []
    for name, spread, totals in measured:
        ops = totals["operations"]
        rows.append(
            [
                name,
                fmt(totals["written"]),
                spread.show(2, " s"),
                f"{spread.median / baseline:.1f}x",
                fmt(totals["requests"]),
                ", ".join(f"{n} {op}" for op, n in ops.items()),
                fmt(totals["wcu"] + totals["index_wcu"]),
                fmt(totals["rcu"]),
                f"{totals['s3_puts']} ({totals['s3_bytes'] / 1024:.0f} KB)",
                str(totals["s3_gets"]),
            ]
        )
    section.table(
        [
            "active polls",
            "written",
            "wall time, median (min–max)",
            f"time vs {measured[0][0].split(' ')[0]} polls",
            "DynamoDB requests",
            "which",
            "WCU (incl. GSI)",
            "RCU",
            "S3 PUTs",
            "S3 GETs",
        ],
        rows,
    )
    section.notes += [
        f"Wall time on moto in process, {repeats} run(s) per size (each repeat made to see every poll as changed by "
        "varying the fingerprint), as a ratio to the smallest size measured in the same run; the absolute seconds "
        "are moto's, not DynamoDB's.",
        f"'{changed} changed': after a first run wrote all {largest:,}, before each measured run one vote was cast in "
        f"each of the same {changed} polls and folded into their tallies. S3 writes, UpdateItem marks and write units "
        "follow the changed polls; the reads do not: every run reads every active poll's partition from its "
        "definition through its tallies (one Query a poll, after one Query of the sparse `snapshot-due` index), so "
        "the read requests follow the active polls, and so does most of the wall time here. A poll's partition is "
        "its definition, the publisher's summary and one tally per stream shard that folded its ballots (here one, "
        "or none for a poll without votes): well under 4 KB, so half a read unit eventually consistent, however many "
        "votes it holds.",
        "Every run that writes anything also reads and rewrites the whole results/index.json (one entry per poll "
        "ever snapshotted publicly), so its bytes follow all snapshotted polls: see the S3 KB of the 'changed' row.",
        "The job also tends each poll's upkeep (sealing idle tallies into the poll's base, dropping sealed ones): "
        "none is due within these runs, which last seconds, so none is in these figures.",
    ]
    largest_reads = measured[-1][2]["rcu"]
    section.notes.append(
        f"At one run a minute, {largest:,} active polls read {fmt(largest_reads)} RCU a run, "
        f"{fmt(largest_reads * 60 * 24)} a day (${largest_reads * 60 * 24 * 0.125 / 1e6:.2f} a day at $0.125 per "
        "million RRU), whether or not anything changed: open polls are read eventually consistent (half a "
        "strongly consistent read), and a closed poll once more, strongly consistent, for its final snapshot."
    )
    section.data = {name: totals | {"seconds": spread.median} for name, spread, totals in measured}
    return [section]
