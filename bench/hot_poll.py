"""Benchmark 6: a hot poll simulated event by event (conflicts, retries, the per-key write limit), and its cost.

The model (every number below is a parameter of `simulate`; the hold time is an assumption, not a measurement):

- Votes arrive as a Poisson process at `rate` a second; each picks a shard with `chalicelib.core.votes.choose_shard`.
- A vote is one TransactWriteItems that holds its shard item from the moment it starts for a time drawn from a
  lognormal distribution (`HOLD`: median 10 ms, p99 30 ms by default). Another transaction that reaches a held item
  is cancelled. AWS, DynamoDB developer guide, "Transaction conflict handling in DynamoDB": a conflict occurs when
  "an item within a TransactWriteItems request is part of another ongoing TransactWriteItems request" (or a PutItem,
  UpdateItem or DeleteItem meets an ongoing transaction on the item); the request fails with
  TransactionCanceledException and the cancellation reason `TransactionConflict` ("Transaction is ongoing for the
  item", TransactWriteItems API reference).
- A cancelled vote is retried as `chalicelib.services.votes._commit` does: on another shard (`choose_shard(shards,
  avoid=shard)`) after its own round trip plus a full-jitter backoff uniform(0, min(0.5, 0.02 * 2**attempt)), at most
  `VOTE_ATTEMPTS` (4) attempts; a vote whose last attempt fails is refused (503 try_again).
- Write units: a transactional write costs two WCU per item up to 1 KB, "one to prepare the transaction and one to
  commit" (developer guide, "Capacity management for transactions"), so a vote puts 2 WCU on its shard item (the
  ballots' by-slot index key takes 1). One partition, so one item, takes at most 1,000 WCU a second ("DynamoDB can
  deliver throughput up to the partition maximum of 3,000 RCUs and 1,000 WCUs to that single item's primary key",
  developer guide, "Burst and adaptive capacity"). An attempt that would take a shard item over 1,000 WCU in the
  last second is throttled and, as `_commit` does for a "busy" shard, retried on another shard after the backoff.
  Cancelled and throttled attempts are assumed to consume no write units.

Targets: the busiest shard item under HEADROOM (50%) of its partition's write limit in every second, and fewer than
RETRY_TARGET (0.1) retries per vote. Under the default hold time the conflicts bind long before the write limit.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

from chalicelib.core.validation import MAX_SHARDS
from chalicelib.core.votes import choose_shard

if TYPE_CHECKING:
    from bench.harness import Section

PARTITION_WCU_LIMIT = 1000  # DynamoDB: one partition (so one partition key) takes at most 1,000 WCU a second
HEADROOM = 0.5  # recommend shard counts that keep every shard under half of that
RETRY_TARGET = 0.1  # ... and fewer retries than this per vote
DEFAULT_SHARDS = 10  # a new poll's default
RATES = (1_000, 10_000, 50_000, 100_000)
SECONDS = 4.0  # simulated seconds per run (400,000 votes at 100,000 a second)
QUICK_SECONDS = 0.2
SEED = 20251125
SHARD_ITEM_UNITS = 2.0  # WCU a vote puts on its shard item (transactional, under 1 KB); measured on moto in `run`

# The vote path's retry rule, as chalicelib/votes.py `_commit` and `_backoff` and settings.vote_attempts have it.
VOTE_ATTEMPTS = 4
BACKOFF_BASE = 0.02  # seconds; attempt n (from 0) then waits uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**n))
BACKOFF_CAP = 0.5

# Automatic resharding (derived by `derive_reshard_thresholds`, the figures BENCHMARKS.md shows; `run` checks them):
# count a poll's cancelled attempts (TransactionConflict) plus throttled ones over a minute and double its shards
# when they exceed RESHARD_FAILURES_PER_SHARD_MINUTE x shards, the load at which retries reach half RETRY_TARGET.
# At RETRY_TARGET itself there are about TARGET_FAILURES_PER_SHARD_MINUTE per shard a minute.
RESHARD_FAILURES_PER_SHARD_MINUTE = 12
TARGET_FAILURES_PER_SHARD_MINUTE = 47
TRIGGER_FRACTION = 0.5  # double at half the retry target, as HEADROOM keeps half the write limit spare
RESHARD_REFERENCE_SHARDS = 100  # the derivation's shard count (per-shard figures barely move from 100 to 5,000)
RESHARD_SECONDS = 60.0
BISECTIONS = 12

# Prices: us-east-1 on-demand list prices as of 2025 (an assumption, not fetched).
PRICE_WRITE_UNIT = 0.625 / 1_000_000  # $ per write request unit
PRICE_READ_UNIT = 0.125 / 1_000_000  # $ per read request unit
PRICE_S3_PUT = 0.005 / 1_000  # $ per PUT
PRICE_S3_GET = 0.0004 / 1_000  # $ per GET

# Results re-reads (assumption): each warm Lambda container re-reads the tally at most once a second
# (RESULTS_CACHE_SECONDS); containers in use ~ rate x this many seconds of handler time per vote.
HANDLER_SECONDS = 0.05

Z99 = NormalDist().inv_cdf(0.99)


@dataclass(frozen=True)
class Hold:
    """How long one vote transaction holds its shard item: lognormal, given by its median and p99 (seconds)."""

    median: float = 0.010
    p99: float = 0.030

    @property
    def sigma(self) -> float:
        """The lognormal's shape parameter."""
        return math.log(self.p99 / self.median) / Z99 if self.p99 > self.median else 0.0

    @property
    def mean(self) -> float:
        """The mean hold time."""
        return self.median * math.exp(self.sigma**2 / 2)


HOLD = Hold()  # assumed TransactWriteItems hold time: median 10 ms, p99 30 ms


@dataclass(frozen=True)
class SimResult:
    """What one simulated run counted."""

    rate: float
    shards: int
    seconds: float
    key_units: float
    votes: int
    accepted: int
    refused: int
    attempts: int
    conflicts: int
    throttles: int
    peak_writes: int  # the most votes one shard item accepted in any one second
    added_p99: float  # seconds retries and backoff added, 99th percentile over all votes (refused: until the 503)

    @property
    def accepted_per_second(self) -> float:
        """Votes counted per second: the rate times the share of votes counted (retries may end after `seconds`)."""
        return self.rate * self.accepted / max(1, self.votes)

    @property
    def retries_per_vote(self) -> float:
        """Attempts after the first, per vote."""
        return (self.attempts - self.votes) / max(1, self.votes)

    @property
    def refused_fraction(self) -> float:
        """Share of votes refused after the last attempt."""
        return self.refused / max(1, self.votes)

    @property
    def conflict_fraction(self) -> float:
        """Share of attempts cancelled by a conflict."""
        return self.conflicts / max(1, self.attempts)

    @property
    def failures_per_shard_minute(self) -> float:
        """Conflicts plus throttles per shard per minute: what the resharding rule counts."""
        return (self.conflicts + self.throttles) / self.shards / self.seconds * 60

    @property
    def peak_shard_wcu(self) -> float:
        """The busiest shard item's write units in its busiest second."""
        return self.peak_writes * self.key_units

    @property
    def peak_fraction_of_limit(self) -> float:
        """The busiest shard item's WCU/s as a fraction of the partition limit."""
        return self.peak_shard_wcu / PARTITION_WCU_LIMIT


Trace = list[tuple[int, int, int, str]]  # (vote, attempt, shard, "ok" | "conflict" | "throttle")


def backoff_bound(attempt: int) -> float:
    """The largest backoff after a failed attempt `attempt` (from 0)."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)


def simulate(
    rate: float,
    shards: int,
    seconds: float,
    *,
    key_units: float = SHARD_ITEM_UNITS,
    hold: Hold = HOLD,
    attempts: int = VOTE_ATTEMPTS,
    seed: int = SEED,
    trace: Trace | None = None,
) -> SimResult:
    """Simulate `seconds` of Poisson votes at `rate` a second on a poll with `shards` shards (seeded, deterministic)."""
    rng = random.Random(seed)
    saved = random.getstate()
    random.seed(seed)  # choose_shard draws from the module-level generator
    try:
        return _run(
            rate,
            shards,
            seconds,
            key_units=key_units,
            hold=hold,
            attempts=attempts,
            rng=rng,
            pick=choose_shard,
            trace=trace,
        )
    finally:
        random.setstate(saved)


def _run(
    rate: float,
    shards: int,
    seconds: float,
    *,
    key_units: float,
    hold: Hold,
    attempts: int,
    rng: random.Random,
    pick: Callable[..., int],
    trace: Trace | None,
) -> SimResult:
    """The event loop: first attempts in arrival order, retries from a heap by the time they start."""
    mu, sigma = math.log(hold.median), hold.sigma
    draw_hold, expovariate, uniform = rng.lognormvariate, rng.expovariate, rng.uniform
    max_writes = int(PARTITION_WCU_LIMIT // key_units)  # accepted votes a shard item takes in any one second
    busy_until = [0.0] * shards
    recent: list[deque[float]] = [deque() for _ in range(shards)]  # accept times within the last second
    retries: list[tuple[float, int, int, int, float]] = []  # (time, vote, attempt, shard, arrival): a heap
    added: list[float] = []
    votes = accepted = refused = made = conflicts = throttles = peak = 0
    next_arrival = expovariate(rate)
    while True:
        if retries and (retries[0][0] <= next_arrival or next_arrival >= seconds):
            now, vote, attempt, shard, arrived = heapq.heappop(retries)
        elif next_arrival < seconds:
            now = arrived = next_arrival
            vote, attempt, shard = votes, 0, pick(shards)
            votes += 1
            next_arrival += expovariate(rate)
        else:
            break
        made += 1
        took = draw_hold(mu, sigma)
        if now < busy_until[shard]:
            conflicts += 1
            outcome, then = "conflict", pick(shards, avoid=shard)
        else:
            window = recent[shard]
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) < max_writes:
                busy_until[shard] = now + took
                window.append(now)
                peak = max(peak, len(window))
                accepted += 1
                added.append(now - arrived)
                if trace is not None:
                    trace.append((vote, attempt, shard, "ok"))
                continue
            throttles += 1
            outcome, then = "throttle", pick(shards, avoid=shard)
        if trace is not None:
            trace.append((vote, attempt, shard, outcome))
        retry_at = now + took + uniform(0, backoff_bound(attempt))
        if attempt + 1 >= attempts:
            refused += 1
            added.append(retry_at - arrived)
        else:
            heapq.heappush(retries, (retry_at, vote, attempt + 1, then, arrived))
    added.sort()
    p99 = added[max(0, math.ceil(0.99 * len(added)) - 1)] if added else 0.0
    return SimResult(
        rate=rate,
        shards=shards,
        seconds=seconds,
        key_units=key_units,
        votes=votes,
        accepted=accepted,
        refused=refused,
        attempts=made,
        conflicts=conflicts,
        throttles=throttles,
        peak_writes=peak,
        added_p99=p99,
    )


def meets_targets(result: SimResult) -> bool:
    """Tell whether a run kept the busiest shard under HEADROOM of the write limit and retries under RETRY_TARGET."""
    return result.peak_fraction_of_limit < HEADROOM and result.retries_per_vote < RETRY_TARGET


def fewer_retries_than(most: float) -> Callable[[SimResult], bool]:
    """A check that a run made fewer than `most` retries per vote."""

    def check(result: SimResult) -> bool:
        return result.retries_per_vote < most

    return check


def smallest_shards(
    rate: float, seconds: float, key_units: float = SHARD_ITEM_UNITS, hold: Hold = HOLD, seed: int = SEED
) -> tuple[int, SimResult]:
    """The smallest shard count meeting the targets, by bisection over seeded runs (ignoring the API's maximum)."""

    def run_at(shards: int) -> SimResult:
        return simulate(rate, shards, seconds, key_units=key_units, hold=hold, seed=seed)

    # Fewer shards than this cannot hold even the mean under the headroom: a known failure (0: none).
    failing = max(1, math.ceil(rate * key_units / (PARTITION_WCU_LIMIT * HEADROOM))) - 1
    # A first guess from the loss formula for one shard: a share rho / (1 + rho) of attempts conflict.
    guess = max(failing + 1, math.ceil(rate * hold.mean * (1 - RETRY_TARGET) / RETRY_TARGET))
    passing, best = guess, run_at(guess)
    while not meets_targets(best):
        failing, passing = passing, passing * 2
        best = run_at(passing)
    probe = max(failing + 1, int(passing * 0.8))
    while probe < passing:  # narrow the bracket from above before bisecting
        result = run_at(probe)
        if not meets_targets(result):
            failing = probe
            break
        passing, best = probe, result
        probe = max(failing + 1, int(passing * 0.8))
    while passing - failing > 1:
        middle = (failing + passing) // 2
        result = run_at(middle)
        if meets_targets(result):
            passing, best = middle, result
        else:
            failing = middle
    return passing, best


def per_shard_rate(
    passes: Callable[[SimResult], bool],
    hold: Hold = HOLD,
    *,
    shards: int = RESHARD_REFERENCE_SHARDS,
    seconds: float = RESHARD_SECONDS,
    key_units: float = SHARD_ITEM_UNITS,
    votes: int | None = None,
    steps: int = BISECTIONS,
) -> tuple[float, SimResult]:
    """The highest votes/s per shard at which a run still `passes`, by bisection over seeded runs, and that run.

    votes: when given, each run lasts long enough for about that many votes (at least 2 s, at most `seconds`).
    """
    # At one vote per mean hold time per shard half the first attempts conflict; past 1.2 x the write limit most
    # attempts are throttled: `high` fails any target of at most 0.5 retries a vote, so the search starts below it.
    low, high = 0.0, min(1 / hold.mean, 1.2 * PARTITION_WCU_LIMIT / key_units)
    found: SimResult | None = None
    for _ in range(steps):
        middle = (low + high) / 2
        rate = middle * shards
        length = seconds if votes is None else min(seconds, max(2.0, votes / rate))
        result = simulate(rate, shards, length, key_units=key_units, hold=hold)
        if passes(result):
            low, found = middle, result
        else:
            high = middle
    if found is None:
        raise ValueError("no per-shard rate passes")
    return low, found


def derive_reshard_thresholds(
    hold: Hold = HOLD,
    shards: int = RESHARD_REFERENCE_SHARDS,
    seconds: float = RESHARD_SECONDS,
    key_units: float = SHARD_ITEM_UNITS,
    steps: int = BISECTIONS,
) -> dict[str, float]:
    """Votes/s and conflicts plus throttles per shard a minute at half the retry target (trigger) and at the target."""
    found: dict[str, float] = {}
    for name, retries in (("trigger", RETRY_TARGET * TRIGGER_FRACTION), ("target", RETRY_TARGET)):
        rate, result = per_shard_rate(
            fewer_retries_than(retries),
            hold,
            shards=shards,
            seconds=seconds,
            key_units=key_units,
            steps=steps,
        )
        found[f"{name}_votes_per_shard_second"] = rate
        found[f"{name}_failures_per_shard_minute"] = result.failures_per_shard_minute
        found[f"{name}_retries_per_vote"] = result.retries_per_vote
    return found


def reshard_needed(failures_last_minute: int, shards: int) -> bool:
    """Tell whether a poll should double its shards, given its conflicts plus throttles over the last minute."""
    return failures_last_minute > RESHARD_FAILURES_PER_SHARD_MINUTE * shards


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


HOLDS = (Hold(0.0003, 0.0009), Hold(0.001, 0.003), Hold(0.003, 0.009), HOLD, Hold(0.030, 0.090))  # sensitivity
SWEEP = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0, 15.0, 20.0, 30.0, 50.0, 100.0)  # votes/s per shard, at 100 shards


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _shard_label(shards: int, smallest: int) -> str:
    labels = {DEFAULT_SHARDS: "default", MAX_SHARDS: "API maximum"}
    names = [labels[shards]] if shards in labels else []
    if shards == smallest:
        names.append("smallest meeting both targets")
    return f"{shards:,}" + (f" ({', '.join(names)})" if names else "")


def _result_row(result: SimResult, label: str) -> list[str]:
    return [
        f"{result.rate:,.0f}",
        label,
        f"{result.accepted_per_second:,.0f}",
        f"{result.retries_per_vote:.4f}",
        f"{result.refused_fraction:.2%}",
        _ms(result.added_p99),
        f"{result.failures_per_shard_minute:,.1f}",
        f"{result.peak_shard_wcu:,.0f} ({result.peak_fraction_of_limit:.0%})",
        "yes" if meets_targets(result) else "no",
    ]


RESULT_HEADER = [
    "votes/s",
    "shards",
    "accepted votes/s",
    "retries per vote",
    "refused (503 try_again)",
    "p99 added latency",
    "conflicts + throttles per shard a minute",
    "busiest shard item WCU/s (of 1,000)",
    "meets both targets",
]


def run(quick: bool = False, units: dict[str, dict[str, float]] | None = None) -> list[Section]:
    """Run benchmark 6 (units: per-vote write units by blocking mode, measured on moto when not given)."""
    from bench.harness import Section, fmt

    if units is None:
        from bench.request_costs import measure_vote_units

        units = measure_vote_units()
    voter = units["voter"]
    key_units = max(voter["shard"], voter["gsi"])
    seconds = QUICK_SECONDS if quick else SECONDS
    reshard_seconds = QUICK_SECONDS if quick else RESHARD_SECONDS
    sensitivity_votes = 200_000  # per run, within reshard_seconds
    steps = 4 if quick else BISECTIONS
    section = Section("6. Hot poll: transaction conflicts, retries and the per-key write limit (simulated)")

    rows, summary_rows = [], []
    recommendations: dict[int, int] = {}
    for rate in RATES:
        smallest, best = smallest_shards(rate, seconds, key_units)
        recommendations[rate] = smallest
        for shards in sorted({DEFAULT_SHARDS, MAX_SHARDS, smallest}):
            result = best if shards == smallest else simulate(rate, shards, seconds, key_units=key_units)
            rows.append(_result_row(result, _shard_label(shards, smallest)))
        at_maximum = simulate(rate, MAX_SHARDS, seconds, key_units=key_units)
        summary_rows.append(
            [
                f"{rate:,}",
                f"**{smallest:,}**",
                f"{rate / smallest:,.1f}",
                "yes"
                if smallest <= MAX_SHARDS
                else f"no: at {MAX_SHARDS:,}, {at_maximum.retries_per_vote:.2f} retries a vote, "
                f"{at_maximum.refused_fraction:.2%} refused",
                " / ".join(fmt(rate * voter[k]) for k in ("shard", "ballot", "gsi")),
                " / ".join(str(math.ceil(rate * voter[k] / PARTITION_WCU_LIMIT)) for k in ("shard", "ballot", "gsi")),
            ]
        )
    section.table(RESULT_HEADER, rows)
    section.table(
        [
            "votes/s",
            "smallest shard count meeting both targets",
            "votes/s per shard there",
            f"within the API's maximum ({MAX_SHARDS:,})",
            "WCU/s: counters / ballots / by-slot index",
            "partitions needed: counters / ballots / index",
        ],
        summary_rows,
    )

    thresholds = derive_reshard_thresholds(seconds=reshard_seconds, key_units=key_units, steps=steps)
    marks = {
        thresholds["trigger_votes_per_shard_second"]: " (trigger: half the retry target)",
        thresholds["target_votes_per_shard_second"]: " (the retry target)",
    }
    near_a_mark = [rate for rate in SWEEP if any(abs(rate - mark) < 0.05 * mark for mark in marks)]
    sweep = sorted({*SWEEP, *marks} - set(near_a_mark))
    sweep_rows = []
    for per_shard in sweep:
        result = simulate(
            per_shard * RESHARD_REFERENCE_SHARDS, RESHARD_REFERENCE_SHARDS, reshard_seconds, key_units=key_units
        )
        sweep_rows.append(
            [
                f"{per_shard:,.2f}{marks.get(per_shard, '')}",
                f"{result.retries_per_vote:.4f}",
                f"**{result.failures_per_shard_minute:,.1f}**",
                f"{result.refused_fraction:.2%}",
                _ms(result.added_p99),
                f"{result.peak_fraction_of_limit:.0%}",
            ]
        )
    section.table(
        [
            f"votes/s per shard ({RESHARD_REFERENCE_SHARDS} shards, {reshard_seconds:.0f} s)",
            "retries per vote",
            "conflicts + throttles per shard a minute",
            "refused",
            "p99 added latency",
            "busiest shard item, of the WCU limit",
        ],
        sweep_rows,
    )

    sensitivity_rows = []
    for hold in HOLDS:
        capacity, there = per_shard_rate(
            meets_targets, hold, seconds=reshard_seconds, key_units=key_units, votes=sensitivity_votes, steps=steps
        )
        _, at_trigger = per_shard_rate(
            fewer_retries_than(RETRY_TARGET * TRIGGER_FRACTION),
            hold,
            seconds=reshard_seconds,
            key_units=key_units,
            votes=sensitivity_votes,
            steps=steps,
        )
        binds = "write limit" if there.peak_fraction_of_limit >= HEADROOM * 0.9 else "retries (conflicts)"
        sensitivity_rows.append(
            [
                f"{_ms(hold.median)} / {_ms(hold.p99)}" if hold.median >= 0.001 else "0.3 ms / 0.9 ms",
                f"{capacity:,.1f}",
                binds,
                f"{there.retries_per_vote:.3f} / {there.peak_fraction_of_limit:.0%}",
                f"≈ {math.ceil(RATES[-1] / capacity):,}",
                f"{at_trigger.failures_per_shard_minute:,.1f}",
            ]
        )
    section.table(
        [
            "assumed hold time (median / p99)",
            f"votes/s per shard meeting both targets ({RESHARD_REFERENCE_SHARDS} shards)",
            "which target binds",
            "retries per vote / busiest shard of the WCU limit there",
            f"shards for {RATES[-1]:,} votes/s (that rate ÷ votes/s per shard)",
            "conflicts + throttles per shard a minute at half the retry target",
        ],
        sensitivity_rows,
    )

    cost_rows = []
    for rate in RATES:
        shards = min(recommendations[rate], MAX_SHARDS)
        for block in ("voter", "voter_and_ip", "none"):
            cost = cost_per_million(rate, shards, units[block]["total"])
            cost_rows.append(
                [
                    f"{rate:,}",
                    f"{shards:,}",
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

    trigger_now = math.floor(thresholds["trigger_failures_per_shard_minute"])
    target_now = round(thresholds["target_failures_per_shard_minute"])
    derived = (trigger_now, target_now)
    stale = not quick and derived != (RESHARD_FAILURES_PER_SHARD_MINUTE, TARGET_FAILURES_PER_SHARD_MINUTE)
    section.notes += [
        f"Model (a discrete-event simulation, `bench/hot_poll.py`, seeded {SEED}; {fmt(seconds)} simulated seconds "
        "per run): votes arrive as a Poisson process and pick a shard with `chalicelib.core.votes.choose_shard`. "
        "Each vote is one TransactWriteItems that holds its shard item for a lognormal time, **an assumption**: median "
        f"{_ms(HOLD.median)}, p99 {_ms(HOLD.p99)} (mean {HOLD.mean * 1000:.1f} ms); the hold-time table varies it. "
        "A vote reaching a held item is cancelled (TransactionCanceledException, reason TransactionConflict) and, as "
        "`chalicelib.services.votes._commit` does, retried on another shard after its round trip (the same lognormal) "
        f"and a full-jitter backoff uniform(0, min({BACKOFF_CAP}, {BACKOFF_BASE} × 2^attempt)), at most "
        f"{VOTE_ATTEMPTS} attempts; a vote whose last attempt fails is refused (503 try_again). 'Added latency' is "
        "the time from a vote's first attempt to its successful one (to the 503 for a refused vote): failed round "
        "trips plus backoffs.",
        "AWS, DynamoDB developer guide, 'Transaction conflict handling in DynamoDB': a conflict occurs when 'an item "
        "within a TransactWriteItems request is part of another ongoing TransactWriteItems request', or when a "
        "PutItem, UpdateItem or DeleteItem meets an ongoing TransactWriteItems on the same item; the "
        "TransactWriteItems API reference gives the cancellation reason 'TransactionConflict: Transaction is ongoing "
        "for the item'. 'Capacity management for transactions': DynamoDB performs two underlying writes of every item "
        "in a transaction, one to prepare and one to commit, so a vote costs 2 WCU on its shard item (under 1 KB). "
        "'Burst and adaptive capacity': DynamoDB can deliver 'up to the partition maximum of 3,000 RCUs and 1,000 "
        "WCUs to that single item's primary key'.",
        f"Write limit: a shard item accepts at most {PARTITION_WCU_LIMIT:,} WCU in any one second (a sliding window); "
        f"an attempt over it is throttled and, as `_commit` does for a 'busy' shard, retried on another shard after "
        f"the backoff. Write units per vote, measured on moto (voter mode): {fmt(voter['shard'])} WCU on the shard "
        f"item, {fmt(voter['ballot'])} on a ballot item of its own (keyed-hash key, so ballots spread) and "
        f"{fmt(voter['gsi'])} on the ballots' `by-slot` index key (poll and shard: sharded like the counters); the "
        f"busiest key is the shard item at {fmt(key_units)} WCU a vote. Cancelled and throttled attempts are assumed "
        "to consume no write units. 'Busiest shard item' is the most WCU one shard item accepted in any one second.",
        f"Targets: the busiest shard item under {HEADROOM:.0%} of its partition's write limit in every second, and "
        f"fewer than {RETRY_TARGET} retries per vote. The smallest shard count is found by bisection over seeded runs "
        f"(each run at {fmt(seconds)} s) and ignores the API's maximum ({MAX_SHARDS:,} shards)."
        " With the assumed hold time the conflicts bind long before the write limit: a shard item meets the "
        f"retry target up to about {thresholds['target_votes_per_shard_second']:.0f} votes/s, where it uses "
        f"{thresholds['target_votes_per_shard_second'] * key_units / PARTITION_WCU_LIMIT:.1%} of its write limit. "
        "A check: with one shard and one attempt the share of conflicting votes matches the loss formula "
        "ρ / (1 + ρ), ρ = votes/s × mean hold time (tests/unit/test_hot_poll_model.py).",
        "Automatic resharding: count a poll's cancelled (TransactionConflict) and throttled attempts over a minute "
        f"and **double its shards when they exceed {RESHARD_FAILURES_PER_SHARD_MINUTE} per shard "
        f"(RESHARD_FAILURES_PER_SHARD_MINUTE × shards)**. Derived from the sweep above ({RESHARD_REFERENCE_SHARDS} "
        f"shards, {reshard_seconds:.0f} s a run): retries reach half the target "
        f"({RETRY_TARGET * TRIGGER_FRACTION:.2f} a vote) at "
        f"{thresholds['trigger_votes_per_shard_second']:.1f} votes/s per shard, where a shard sees "
        f"{thresholds['trigger_failures_per_shard_minute']:.1f} conflicts + throttles a minute (rounded down: "
        f"{trigger_now}); at the target itself ({RETRY_TARGET} a vote, "
        f"{thresholds['target_votes_per_shard_second']:.1f} votes/s per shard) it sees "
        f"{thresholds['target_failures_per_shard_minute']:.1f} (TARGET_FAILURES_PER_SHARD_MINUTE = {target_now}). "
        "Doubling halves each shard's votes and, conflicts growing with the square of a shard's load, cuts its "
        "conflicts about fourfold, so one doubling takes a poll from the trigger back to about a quarter of it. "
        "The threshold depends on the hold time (hold-time table); a trigger on (conflicts + throttles) ÷ votes "
        f"above {RETRY_TARGET * TRIGGER_FRACTION:.2f} does not, if the service also counts votes."
        + (
            f" **The module's constants ({RESHARD_FAILURES_PER_SHARD_MINUTE}, {TARGET_FAILURES_PER_SHARD_MINUTE}) "
            f"differ from this run's derivation ({trigger_now}, {target_now}): update them.**"
            if stale
            else ""
        ),
        "'Partitions needed' is the table's total WCU/s over 1,000: DynamoDB must have split the table that far "
        "(a new on-demand table absorbs up to 4,000 WCU/s at once and adapts beyond that).",
        "Costs use the smallest shard count meeting both targets, at most the API's maximum "
        f"({MAX_SHARDS:,}). Prices (an assumption, us-east-1 on-demand list prices as of 2025): $0.625 per "
        "million write request units, $0.125 per million read request units, S3 PUT $0.005 per 1,000, S3 GET "
        "$0.0004 per 1,000. Lambda, API Gateway and data transfer are not included.",
        f"Results re-reads (an estimate): {HANDLER_SECONDS * 1000:.0f} ms of handler time per vote gives "
        f"rate x {HANDLER_SECONDS} warm containers, each re-reading the poll's shards plus the poll item once a second "
        "(1 RRU each, strongly consistent) when its 1 s results cache expires: with hundreds of shards this, not "
        "the vote writes, dominates the cost. Snapshots: one run a minute.",
    ]
    section.data = {"recommendations": recommendations, "thresholds": thresholds, "stale_constants": stale}
    return [section]
