"""Capacity model of one hot poll: the ledger (votes keyed by voter, counts folded from the stream), today's sharded
counters before it, and two peer designs, at a given rate of votes. `python -m ops.capacity 100000` prints one rate;
`make bench` (bench/hot_poll.py) tabulates them. Every assumption is a named constant below; AWS's documented limits
are cited where they are used.

The ledger's contended keys, each checked against its partition's limit (DynamoDB developer guide, "Burst and adaptive
capacity": up to 3,000 RCU and 1,000 WCU a second to a single item's primary key):
- a ballot: keyed by its voter, written once; an address prefix's window counter: at most its allowance a window
  (counted here as if all of it came in one second);
- a by-poll index bucket: INDEX_BUCKETS of them share a poll's ballots;
- the poll's partition: one fold write per stream shard per batch; the publisher's read of every tally and its
  summary's write each batch; every API container's read of the definition and summary, once a second;
- the poll's audience partitions (AUDIENCE_BUCKETS, by stream shard): AUDIENCE_WRITES a stream shard per batch.
A vote's write units are measured (bench/request_costs.py) and passed in as VoteUnits, split by the table they land
on, since each table (and index) has its own throughput quota.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
from dataclasses import asdict, dataclass

from chalicelib.core.audience import AUDIENCE_BUCKETS
from chalicelib.core.ledger import INDEX_BUCKETS
from chalicelib.core.poll import DEFAULT_ADDRESS_LIMIT
from chalicelib.services.votes import BACKOFF_BASE, BACKOFF_CAP

PARTITION_WCU, PARTITION_RCU = 1000, 3000  # per partition key, per second
HEADROOM = 0.5  # target: no key over half of its partition's limit
RETRY_TARGET = 0.1  # retries per vote
RATES = (1_000, 10_000, 100_000, 250_000)
SEED = 20261206
VOTE_ATTEMPTS = 4
# Assumptions (not measured here: no AWS account).
# API handler time per warm vote: the handler's own work (a few ms, BENCHMARKS.md section 4), one DynamoDB write
# (a few ms in the region) and the proof's check (PBKDF2, 5,000 iterations: about 1.2 ms): 20 ms leaves room.
HANDLER_SECONDS = 0.02
HOLD_MEDIAN, HOLD_P99 = 0.010, 0.030  # how long a TransactWriteItems holds its items (seconds)
FOLD_WINDOW = 1.0  # the fold's MaximumBatchingWindowInSeconds (FOLD_BATCH_SECONDS)
PUBLISH_WINDOW = 2.0  # the publisher's (STREAM_BATCH_SECONDS): the summary and the edge documents, each batch
POLL_INTERVAL = 0.25  # Lambda polls a stream shard about four times a second
PROPAGATION_MEDIAN, PROPAGATION_P99 = 0.2, 0.8  # a ballot's write to its stream record being readable (seconds)
INVOKE_MEDIAN, INVOKE_P99 = 0.04, 0.15  # one fold invocation (one or two tally writes for a hot poll)
PARTITION_TARGET = 0.5  # on-demand partitions run about half loaded: stream shards = table WCU/s / 500
TALLY_BYTES, DEFINITION_BYTES = 200, 1500
# The audience's writes per stream shard per batch (countries, sites, surfaces, the hour of minutes: measured in
# BENCHMARKS.md section 11) and their mean write units (an assumption: a viral poll's country tally of ~100 countries
# and a few options is 2-4 KB; the section measures 1 WCU each for a small one).
AUDIENCE_WRITES, AUDIENCE_UNITS = 4, 3.0
LEAD_SHARE = 0.6  # the leading option's share of votes (peer designs' hot counter)
SHARDS_TODAY = 1000  # today's design: the API's maximum counter shards
# Today's design's write units per warm vote (WCU + GSI WCU), by poll mode: measured with bench/request_costs.py's
# method (bench/harness.py's capacity rules on moto) at commit e674837, the last before the ledger. Every item of
# its one transaction cost 2 WCU: the ballot, its guards and the poll's shard item, plus 1 for the by-slot index.
TODAY_UNITS = {
    "default": 9.0,  # proof of work and address window (block=voter): ballot, pow#, aw#, shard
    "proof_of_work": 7.0,
    "address_window": 7.0,
    "voter": 5.0,  # no challenge, no address window: ballot and shard ("today's 5")
    "voter_and_ip": 7.0,  # ballot, ip#, shard
    "none": 2.0,  # the shard item alone
}
# Quotas (AWS defaults): Lambda concurrent executions per region; on-demand throughput per table.
LAMBDA_CONCURRENCY, TABLE_WCU = 1_000, 40_000
# Prices, us-east-1 on-demand list prices as of 2025 (an assumption, not fetched).
WRITE_PRICE, READ_PRICE, S3_PUT = 0.625e-6, 0.125e-6, 0.005e-3
Z99 = 2.3263478740408408  # the standard normal's 99th percentile


def lognormal(rng: random.Random, median: float, p99: float) -> float:
    """Draw from a lognormal given by its median and 99th percentile."""
    return rng.lognormvariate(math.log(median), math.log(p99 / median) / Z99)


def fold_lag(rate_per_shard: float, seconds: float = 30.0, seed: int = SEED) -> tuple[float, float]:
    """Simulate one stream shard's fold: p50 and p99 seconds from a ballot's write to its tally's update.

    Records arrive (Poisson) after their propagation delay; a batch is due FOLD_WINDOW after its first record, or at
    1,000 records; Lambda starts it at its next poll of the shard, one invocation at a time.
    """
    rng = random.Random(seed)
    arrivals = []
    t = 0.0
    while t < seconds:
        t += rng.expovariate(rate_per_shard)
        arrivals.append((t + lognormal(rng, PROPAGATION_MEDIAN, PROPAGATION_P99), t))
    arrivals.sort()
    lags, free_at, index = [], 0.0, 0
    while index < len(arrivals):
        first = arrivals[index][0]
        batch = [a for a in arrivals[index : index + 1000] if a[0] <= first + FOLD_WINDOW]
        due = first + FOLD_WINDOW if len(batch) < 1000 else batch[-1][0]
        start = max(free_at, math.ceil(due / POLL_INTERVAL) * POLL_INTERVAL)
        done = start + lognormal(rng, INVOKE_MEDIAN, INVOKE_P99)
        lags += [done - written for _, written in batch]
        free_at, index = done, index + len(batch)
    lags.sort()
    return lags[len(lags) // 2], lags[math.ceil(0.99 * len(lags)) - 1]


@dataclass(frozen=True)
class VoteUnits:
    """Write units of one warm vote, by where they land (measured: bench/request_costs.py)."""

    ballot: float  # the ballots table: the ballot (2 in a transaction, 1 as a lone PutItem)
    guards: float = 0.0  # the guards table: the spent proof, the address window, the per-IP counter
    index: float = 1.0  # the ballots' by-poll index

    @property
    def total(self) -> float:
        """All of them."""
        return self.ballot + self.guards + self.index


# A default poll's vote from an IPv4 reader in 1a: the ballot, its proof, its address's window and its /24's. An IPv6
# reader's has two block windows (/56 and /48): 2 WCU more.
DEFAULT_POLL = VoteUnits(ballot=2.0, guards=6.0, index=1.0)


@dataclass(frozen=True)
class Ledger:
    """The ledger at one rate: throughput, keys, fold, Lambda, cost."""

    rate: int
    write_units: float  # per vote, measured (ballot, guards, index)
    stream_shards: int
    records_per_shard: float  # ballots a second each stream shard carries
    containers: float
    fold_writes_per_second: float
    busiest_key: str
    busiest_share: float
    shares: dict[str, float]
    retries_per_vote: float
    lag_p50: float
    lag_p99: float
    lambda_concurrency: float
    table_wcu: float  # the ballots table's
    guards_wcu: float
    index_wcu: float
    dollars_per_million: float

    @property
    def accepted_per_second(self) -> float:
        """Votes counted a second: all of them while no key is over its limit."""
        return self.rate * min(1.0, 1 / max(self.busiest_share, 1e-9))

    @property
    def refused_share(self) -> float:
        """Share of votes refused (throttled past retries) when a key is over its limit."""
        return max(0.0, 1 - self.accepted_per_second / self.rate)


def ledger(rate: int, units: VoteUnits = DEFAULT_POLL) -> Ledger:
    """Model the ledger at a rate, given the measured write units of a vote."""
    table_wcu = rate * units.ballot  # the ballots table's own partitions (its index is apart)
    shards = max(1, math.ceil(table_wcu / (PARTITION_WCU * PARTITION_TARGET)))
    containers = rate * HANDLER_SECONDS
    per_shard = rate / shards
    batch_seconds = min(FOLD_WINDOW, 1000 / per_shard)
    fold_writes = shards / batch_seconds
    audience_wcu = fold_writes * AUDIENCE_WRITES * AUDIENCE_UNITS
    view_rcu = math.ceil((DEFINITION_BYTES + (shards + 1) * TALLY_BYTES) / 4096)  # the publisher's strong read
    reads = containers * 0.5 + view_rcu / PUBLISH_WINDOW  # definition and summary: under 4 KB, eventually consistent
    window_rate = DEFAULT_ADDRESS_LIMIT.votes / DEFAULT_ADDRESS_LIMIT.seconds
    shares = {
        "a by-poll index bucket (writes)": rate * units.index / INDEX_BUCKETS / PARTITION_WCU,
        "the poll's partition (fold and summary writes)": (fold_writes + 2 / PUBLISH_WINDOW) / PARTITION_WCU,
        "the poll's partition (reads)": reads / PARTITION_RCU,
        "an audience partition (writes)": fold_writes
        * AUDIENCE_WRITES
        * AUDIENCE_UNITS
        / AUDIENCE_BUCKETS
        / PARTITION_WCU,
        "an address window counter (writes)": DEFAULT_ADDRESS_LIMIT.votes * 2 / PARTITION_WCU,
        "a ballot (written once)": 0.0,
    }
    busiest = max(shares, key=lambda k: shares[k])
    hold_mean = HOLD_MEDIAN * math.exp((math.log(HOLD_P99 / HOLD_MEDIAN) / Z99) ** 2 / 2)
    retries = 1 - math.exp(-window_rate * hold_mean)  # at worst every voter's prefix votes at its allowance
    p50, p99 = fold_lag(per_shard)
    seconds = 1e6 / rate
    dollars = 1e6 * units.total * WRITE_PRICE
    dollars += seconds * ((fold_writes + audience_wcu + 1 / PUBLISH_WINDOW) * WRITE_PRICE + reads * READ_PRICE)
    dollars += seconds / PUBLISH_WINDOW * 3 * S3_PUT  # the publisher's latest.json and .csv and results page, a batch
    return Ledger(
        rate=rate,
        write_units=units.total,
        stream_shards=shards,
        records_per_shard=per_shard,
        containers=containers,
        fold_writes_per_second=fold_writes,
        busiest_key=busiest,
        busiest_share=shares[busiest],
        shares=shares,
        retries_per_vote=retries,
        lag_p50=p50,
        lag_p99=p99,
        lambda_concurrency=containers + shards + 1,
        table_wcu=table_wcu,
        guards_wcu=rate * units.guards,
        index_wcu=rate * units.index,
        dollars_per_million=dollars,
    )


@dataclass(frozen=True)
class Outcome:
    """Another design at one rate."""

    design: str
    rate: int
    accepted_per_second: float
    refused_share: float
    retries_per_vote: float
    busiest_share: float
    write_units: float
    dollars_per_million: float


def sharded(
    rate: int,
    shards: int = SHARDS_TODAY,
    seconds: float = 2.0,
    *,
    attempts: int = VOTE_ATTEMPTS,
    units: float = TODAY_UNITS["voter"],
) -> Outcome:
    """Today's design before the ledger: each vote one transaction on a random shard item of the poll's, retried on
    another shard after a conflict (a discrete-event simulation, as bench/hot_poll.py ran it before the ledger)."""
    rng = random.Random(SEED)
    busy = [0.0] * shards
    retries: list[tuple[float, int]] = []
    votes = accepted = refused = made = 0
    t = rng.expovariate(rate)
    while t < seconds or retries:
        if retries and (retries[0][0] <= t or t >= seconds):
            now, attempt = heapq.heappop(retries)
        else:
            now, attempt, votes, t = t, 0, votes + 1, t + rng.expovariate(rate)
        made += 1
        shard = rng.randrange(shards)
        took = lognormal(rng, HOLD_MEDIAN, HOLD_P99)
        if now >= busy[shard]:
            busy[shard], accepted = now + took, accepted + 1
        elif attempt + 1 >= attempts:
            refused += 1
        else:
            wait = took + rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt))
            heapq.heappush(retries, (now + wait, attempt + 1))
    containers = rate * HANDLER_SECONDS
    dollars = 1e6 * units * WRITE_PRICE + 1e6 / rate * containers * (shards + 1) * READ_PRICE
    share = rate / shards * 2 / PARTITION_WCU
    name = "today: sharded counters"
    return Outcome(name, rate, rate * accepted / votes, refused / votes, made / votes - 1, share, units, dollars)


def counters(rate: int, read_first: bool) -> Outcome:
    """A peer design: UpdateItem ADD on a counter item per option (after a GetItem of the ballot, when read_first)."""
    per_option = (LEAD_SHARE, (1 - LEAD_SHARE) * 0.75, (1 - LEAD_SHARE) * 0.25)
    accepted = sum(min(rate * share, PARTITION_WCU) for share in per_option)
    units = 2.0 if read_first else 1.0  # the counter, and the ballot's PutItem
    dollars = 1e6 * (units * WRITE_PRICE + (READ_PRICE if read_first else 0.0))
    name = "peer: GetItem + PutItem + UpdateItem ADD" if read_first else "peer: UpdateItem ADD, no dedupe"
    return Outcome(name, rate, accepted, 1 - accepted / rate, 0.0, rate * LEAD_SHARE / PARTITION_WCU, units, dollars)


def quotas(model: Ledger) -> dict[str, str]:
    """Say which AWS quotas a poll at this rate needs raised (defaults: LAMBDA_CONCURRENCY, TABLE_WCU)."""
    found = {
        "Lambda concurrent executions": f"{model.lambda_concurrency:,.0f} needed (default {LAMBDA_CONCURRENCY:,})"
        + (": raise" if model.lambda_concurrency > LAMBDA_CONCURRENCY else "")
    }
    tables = {
        "ballots table": model.table_wcu,
        "guards table": model.guards_wcu,
        "ballots' by-poll index": model.index_wcu,
    }
    for name, wcu in tables.items():
        if wcu:
            found[f"{name} write throughput"] = f"{wcu:,.0f} WCU/s needed (default {TABLE_WCU:,} per table)" + (
                ": raise" if wcu > TABLE_WCU else ""
            )
    return found


def main(argv: list[str] | None = None) -> int:
    """Print the model at one rate (default write units: a default poll's ballot, proof and window, and its index)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rate", type=int, nargs="?", default=100_000)
    parser.add_argument("--ballot-units", type=float, default=DEFAULT_POLL.ballot)
    parser.add_argument("--guard-units", type=float, default=DEFAULT_POLL.guards)
    parser.add_argument("--index-units", type=float, default=DEFAULT_POLL.index)
    args = parser.parse_args(argv)
    model = ledger(args.rate, VoteUnits(args.ballot_units, args.guard_units, args.index_units))
    for name, value in {**asdict(model), **quotas(model)}.items():
        print(f"{name}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
