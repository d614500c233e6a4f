"""Benchmark 6: a hot poll's write ceiling, replayed through the real shard choice, and its cost per million votes."""

from __future__ import annotations

import math
import random

from bench.harness import Section, fmt
from chalicelib.core.validation import MAX_SHARDS
from chalicelib.core.votes import choose_shard

PARTITION_WCU_LIMIT = 1000  # DynamoDB: one partition (so one partition key) takes at most 1,000 WCU a second
HEADROOM = 0.5  # recommend shard counts that keep every shard under half of that
RATES = (1_000, 10_000, 50_000)
SECONDS = 60
QUICK_SECONDS = 2
SEED = 20251125

# Prices: us-east-1 on-demand list prices as of 2025 (an assumption, not fetched).
PRICE_WRITE_UNIT = 0.625 / 1_000_000  # $ per write request unit
PRICE_READ_UNIT = 0.125 / 1_000_000  # $ per read request unit
PRICE_S3_PUT = 0.005 / 1_000  # $ per PUT
PRICE_S3_GET = 0.0004 / 1_000  # $ per GET

# Results re-reads (assumption): each warm Lambda container re-reads the tally at most once a second
# (RESULTS_CACHE_SECONDS); containers in use ~ rate x this many seconds of handler time per vote.
HANDLER_SECONDS = 0.05


def simulate(rate: int, shards: int, seconds: int, key_units: float, seed: int = SEED) -> dict[str, float]:
    """Replay `rate` votes a second for `seconds` through choose_shard; return the busiest shard key's WCU/s.

    key_units: write units one vote puts on its shard's hottest key (the shard item, or the ballots'
    by-slot index key, which is per shard too).
    """
    random.seed(seed)  # choose_shard draws from the module-level generator
    peak = 0
    per_shard_total = [0] * shards
    for _ in range(seconds):
        counts = [0] * shards
        for _ in range(rate):
            counts[choose_shard(shards)] += 1
        peak = max(peak, *counts)
        for index, count in enumerate(counts):
            per_shard_total[index] += count
    return {
        "rate": rate,
        "shards": shards,
        "peak_votes": peak,
        "peak_shard_wcu": peak * key_units,
        "mean_shard_wcu": rate / shards * key_units,
        "busiest_shard_share": max(per_shard_total) / (rate * seconds),
        "peak_fraction_of_limit": peak * key_units / PARTITION_WCU_LIMIT,
    }


def smallest_shards(rate: int, seconds: int, key_units: float) -> tuple[int, dict[str, float]]:
    """The smallest shard count whose busiest shard stays under HEADROOM of the limit in every second.

    The search ignores the API's maximum (MAX_SHARDS), so a caller can say how far over it a rate is.
    """
    budget = PARTITION_WCU_LIMIT * HEADROOM
    failing = max(1, math.ceil(rate * key_units / budget)) - 1  # fewer cannot even hold the mean
    step = max(1, failing // 20)
    while simulate(rate, failing + step, seconds, key_units)["peak_shard_wcu"] >= budget:  # coarse steps up
        failing += step
    for shards in range(failing + 1, failing + step + 1):  # then one at a time
        result = simulate(rate, shards, seconds, key_units)
        if result["peak_shard_wcu"] < budget:
            return shards, result
    raise AssertionError("unreachable: failing + step passed")


def cost_per_million(rate: int, shards: int, vote_units: float) -> dict[str, float]:
    """Dollars per million votes at on-demand list prices, for one poll voted on at `rate` a second."""
    votes = 1_000_000
    seconds = votes / rate
    minutes = seconds / 60
    writes = votes * vote_units * PRICE_WRITE_UNIT
    # One snapshot run a minute while votes arrive: Query (0.5 RRU), BatchGetItem of every shard
    # (1 RRU each, strongly consistent), one UpdateItem mark (1 WRU + 1 GSI WRU), 4 PUTs, 2 GETs.
    runs = max(1.0, minutes)
    snapshot = runs * ((0.5 + shards) * PRICE_READ_UNIT + 2 * PRICE_WRITE_UNIT + 4 * PRICE_S3_PUT + 2 * PRICE_S3_GET)
    containers = max(1.0, rate * HANDLER_SECONDS)
    rereads = containers * seconds * (shards + 1) * PRICE_READ_UNIT
    return {"writes": writes, "snapshots": snapshot, "rereads": rereads, "total": writes + snapshot + rereads}


def run(quick: bool = False, units: dict[str, dict[str, float]] | None = None) -> list[Section]:
    """Run benchmark 6 (units: per-vote write units by blocking mode, measured on moto when not given)."""
    if units is None:
        from bench.request_costs import measure_vote_units

        units = measure_vote_units()
    voter = units["voter"]
    key_units = max(voter["shard"], voter["gsi"])
    seconds = QUICK_SECONDS if quick else SECONDS
    section = Section("6. Hot-poll ceiling: one poll, write units per key per second")
    rows = []
    recommendations: dict[int, int] = {}
    for rate in RATES:
        shards, result = smallest_shards(rate, seconds, key_units)
        recommendations[rate] = shards
        at_default = simulate(rate, 10, seconds, key_units)
        at_max = simulate(rate, MAX_SHARDS, seconds, key_units)
        shown = (
            f"{shards}"
            if shards <= MAX_SHARDS
            else (
                f"**{shards}: more than the API's maximum of {MAX_SHARDS}** (at {MAX_SHARDS} the busiest shard takes "
                f"{fmt(at_max['peak_shard_wcu'])} WCU/s, {at_max['peak_fraction_of_limit']:.0%} of the limit)"
            )
        )
        rows.append(
            [
                f"{rate:,}",
                fmt(at_default["peak_shard_wcu"]),
                f"{at_default['peak_fraction_of_limit']:.0%}",
                shown,
                f"{fmt(result['peak_shard_wcu'])} ({result['peak_fraction_of_limit']:.0%}) at {int(result['shards'])}",
                fmt(result["mean_shard_wcu"]),
                fmt(result["peak_votes"] * voter["gsi"]),
                f"{fmt(voter['ballot'])} (a key per vote)",
                " / ".join(fmt(rate * voter[k]) for k in ("shard", "ballot", "gsi")),
                " / ".join(str(math.ceil(rate * voter[k] / PARTITION_WCU_LIMIT)) for k in ("shard", "ballot", "gsi")),
            ]
        )
    section.table(
        [
            "votes/s",
            "busiest shard WCU/s at 10 shards (default)",
            "of the 1,000 limit",
            "smallest shard count keeping every shard < 50%",
            "busiest shard item WCU/s there",
            "mean shard item WCU/s there",
            "busiest by-slot index key WCU/s there",
            "ballot key WCU/s (max)",
            "WCU/s: counters / ballots / by-slot index",
            "partitions needed: counters / ballots / index",
        ],
        rows,
    )
    cost_rows = []
    for rate in RATES:
        shards = min(recommendations[rate], MAX_SHARDS)
        for block in ("voter", "voter_and_ip", "none"):
            cost = cost_per_million(rate, shards, units[block]["total"])
            cost_rows.append(
                [
                    f"{rate:,}",
                    str(shards),
                    f"{block} ({fmt(units[block]['total'])} WRU a vote)",
                    f"${cost['writes']:.3f}",
                    f"${cost['snapshots']:.5f}",
                    f"${cost['rereads']:.3f}",
                    f"**${cost['total']:.3f}**",
                ]
            )
    section.table(
        ["votes/s", "shards", "blocking", "vote writes", "snapshots", "results re-reads", "total per million votes"],
        cost_rows,
    )
    section.notes += [
        f"Simulation: {seconds} s of votes at each rate through `chalicelib.core.votes.choose_shard` (seeded {SEED}); "
        "'busiest shard' is the most votes any shard took in any one second, times the write units a vote puts on "
        f"that shard's keys, measured on moto (voter mode): {fmt(voter['shard'])} WCU on the shard item (a "
        f"transactional write under 1 KB), {fmt(voter['ballot'])} WCU on a ballot item of its own (a keyed-hash key, "
        f"so ballots spread) and {fmt(voter['gsi'])} WCU on the ballots table's `by-slot` GSI, whose key is the poll "
        "and shard: every ballot of one shard lands on the same index key, so the index is sharded exactly like the "
        "counters (a GSI partition key has the same 1,000 WCU/s limit, and GSI throttling throttles the table).",
        f"Limit: DynamoDB serves at most {PARTITION_WCU_LIMIT:,} WCU/s per partition, so per partition key; the "
        f"recommendation keeps the busiest shard under {HEADROOM:.0%} of it in every simulated second. "
        "'Partitions needed' is the table's total WCU/s over 1,000: DynamoDB must have split the table that far "
        "(a new on-demand table absorbs up to 4,000 WCU/s at once and adapts beyond that).",
        f"The API allows at most {MAX_SHARDS} shards per poll (about {PARTITION_WCU_LIMIT / key_units:,.0f} votes/s "
        f"per shard before the per-key limit, {MAX_SHARDS * PARTITION_WCU_LIMIT / key_units:,.0f} votes/s per poll "
        "in theory, about half that with the 50% headroom): a rate that needs more than 100 cannot be served by one "
        "poll within the headroom (the cost table then uses 100).",
        "Not modelled: transaction conflicts. Every vote is a TransactWriteItems on its shard; concurrent "
        "transactions on one item can be cancelled with TransactionConflict (the handler retries on another shard), "
        "so the real per-shard ceiling under contention is likely below the WCU ceiling computed here.",
        "Prices (an assumption, us-east-1 on-demand list prices as of 2025): $0.625 per million write request units, "
        "$0.125 per million read request units, S3 PUT $0.005 per 1,000, S3 GET $0.0004 per 1,000. Lambda, API "
        "Gateway and data transfer are not included.",
        f"Results re-reads (an estimate): {HANDLER_SECONDS * 1000:.0f} ms of handler time per vote gives "
        f"rate x {HANDLER_SECONDS} warm containers, each re-reading the poll's shards plus the poll item once a second "
        "(1 RRU each, strongly consistent) when its 1 s results cache expires. Snapshots: one run a minute.",
    ]
    section.data = {"recommendations": recommendations}
    return [section]
