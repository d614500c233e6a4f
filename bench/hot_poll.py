"""Benchmark 6a: one hot poll, modelled: the ledger against today's sharded counters and two peer designs.

The model is ops/capacity.py's (its one owner: every assumption is a named constant there); this module runs it at
each rate with the write units a vote measures on moto (bench/request_costs.py) and renders it: throughput, refusals,
retries, the busiest key against its partition's limit, the fold's lag, write units and dollars, and the AWS quotas a
poll at 100,000 votes/s needs raised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.ledger import INDEX_BUCKETS
from chalicelib.core.poll import DEFAULT_ADDRESS_LIMIT
from ops import capacity

if TYPE_CHECKING:
    from bench.harness import Section

SHARDED_SECONDS = 2.0  # simulated seconds of today's design per rate
QUICK_SHARDED_SECONDS = 0.05
QUOTA_RATE = 100_000  # the target rate: the quotas it needs raised


def vote_units(measured: dict[str, float]) -> capacity.VoteUnits:
    """The model's units of a vote from a measured warm vote (bench/request_costs.py's split)."""
    return capacity.VoteUnits(ballot=measured["ballot"], guards=measured["guards"], index=measured["index"])


def _share(share: float) -> str:
    """A key's load as a share of its partition's limit (as a multiple past 100%)."""
    return f"{share:.0%}" if share <= 1.5 else f"{share:,.0f}× the limit"


def _money(dollars: float) -> str:
    return f"${dollars:,.2f}"


def _row(rate: int, design: str, figures: dict[str, Any]) -> list[str]:
    return [
        f"{rate:,}",
        design,
        f"{figures['accepted']:,.0f}",
        f"{figures['refused']:.1%}",
        f"{figures['retries']:.3f}",
        figures["busiest"],
        figures["lag"],
        f"{figures['units']:g}",
        _money(figures["dollars"]),
    ]


HEADER = [
    "votes/s",
    "design",
    "votes accepted/s",
    "refused",
    "retries per vote",
    "busiest key, of its partition's limit",
    "fold lag p50 / p99",
    "write units per vote",
    "$ per million votes",
]


def _ledger_figures(model: capacity.Ledger) -> dict[str, Any]:
    return {
        "accepted": model.accepted_per_second,
        "refused": model.refused_share,
        "retries": model.retries_per_vote,
        "busiest": f"{_share(model.busiest_share)} ({model.busiest_key})",
        "busiest_share": model.busiest_share,
        "lag": f"{model.lag_p50:.2f} s / {model.lag_p99:.2f} s",
        "lag_p50": model.lag_p50,
        "lag_p99": model.lag_p99,
        "units": model.write_units,
        "dollars": model.dollars_per_million,
    }


def _outcome_figures(outcome: capacity.Outcome, key: str) -> dict[str, Any]:
    return {
        "accepted": outcome.accepted_per_second,
        "refused": outcome.refused_share,
        "retries": outcome.retries_per_vote,
        "busiest": f"{_share(outcome.busiest_share)} ({key})",
        "busiest_share": outcome.busiest_share,
        "lag": "none: counted as it is written",
        "units": outcome.write_units,
        "dollars": outcome.dollars_per_million,
    }


def _details(models: dict[int, capacity.Ledger]) -> list[list[str]]:
    """The ledger's moving parts at each rate."""
    rows = []
    for rate, model in models.items():
        rows.append(
            [
                f"{rate:,}",
                f"{model.stream_shards:,}",
                f"{model.records_per_shard:,.0f}",
                f"{model.fold_writes_per_second:,.0f}",
                f"{model.containers:,.0f}",
                f"{model.lambda_concurrency:,.0f}",
                " / ".join(f"{wcu:,.0f}" for wcu in (model.table_wcu, model.guards_wcu, model.index_wcu)),
            ]
        )
    return rows


DETAILS_HEADER = [
    "votes/s",
    "stream shards (ballots table)",
    "ballots a second per stream shard",
    "fold writes a second (poll's partition)",
    "API containers",
    "Lambda concurrency (API + fold + publisher)",
    "WCU/s: ballots table / guards table / by-poll index",
]


def run(quick: bool = False, units: dict[str, dict[str, float]] | None = None) -> list[Section]:
    """Run benchmark 6a (units: a warm vote's write units by poll mode, measured on moto when not given)."""
    from bench.harness import Section

    if units is None:
        from bench.request_costs import measure_vote_units

        units = measure_vote_units()
    default = vote_units(units["default"])
    seconds = QUICK_SHARDED_SECONDS if quick else SHARDED_SECONDS
    section = Section("6a. Hot poll: the ledger against today's sharded counters and two peer designs (modelled)")
    rows: list[list[str]] = []
    data: dict[str, Any] = {"units": units, "rates": {}}
    models: dict[int, capacity.Ledger] = {}
    for rate in capacity.RATES:
        model = models[rate] = capacity.ledger(rate, default)
        today = capacity.sharded(rate, seconds=seconds, units=capacity.TODAY_UNITS["default"])
        designs = {
            "ledger": _ledger_figures(model),
            f"today: sharded counters, {capacity.SHARDS_TODAY:,} shards": _outcome_figures(today, "a shard item"),
            **{
                peer.design: _outcome_figures(peer, "the leading option's counter")
                for peer in (capacity.counters(rate, read_first=False), capacity.counters(rate, read_first=True))
            },
        }
        data["rates"][rate] = designs
        rows += [_row(rate, name, figures) for name, figures in designs.items()]
    section.table(HEADER, rows)
    section.table(DETAILS_HEADER, _details(models))
    hot = models[QUOTA_RATE]
    section.table(
        [f"the ledger's contended keys at {QUOTA_RATE:,} votes/s", "load, of the partition's limit"],
        [[key, f"{share:.1%}"] for key, share in sorted(hot.shares.items(), key=lambda item: -item[1])],
    )
    quotas = capacity.quotas(hot)
    data["quotas"] = quotas
    data["ledger_at_quota_rate"] = _ledger_figures(hot) | {"busiest_key": hot.busiest_key}
    today = capacity.sharded(QUOTA_RATE, seconds=seconds, units=capacity.TODAY_UNITS["default"])
    section.notes += _notes(
        default=default,
        hot=hot,
        top=models[max(models)],
        models=list(models.values()),
        today=today,
        quotas=quotas,
        seconds=seconds,
        units=units,
    )
    section.data = data
    return [section]


def _notes(
    *,
    default: capacity.VoteUnits,
    hot: capacity.Ledger,
    top: capacity.Ledger,
    models: list[capacity.Ledger],
    today: capacity.Outcome,
    quotas: dict[str, str],
    seconds: float,
    units: dict[str, dict[str, float]],
) -> list[str]:
    """What the tables assume and where the limits come from."""
    raised = "; ".join(f"**{name}**: {text}" for name, text in quotas.items())
    ms = 1000
    rereads = 1 - today.write_units * capacity.WRITE_PRICE * 1e6 / today.dollars_per_million
    low, high = min(m.lag_p99 for m in models), max(m.lag_p99 for m in models)
    lags = (
        f"{high:.2f} s at every rate" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f}–{high:.2f} s over these rates"
    )
    return [
        f"**Quotas a {QUOTA_RATE:,} votes/s poll needs raised** (the binding limits; AWS's defaults in parentheses "
        f"are ops/capacity.py's LAMBDA_CONCURRENCY and TABLE_WCU): {raised}. On-demand tables have no account-level "
        "write quota, only the per-table one (DynamoDB developer guide, 'Quotas': 40,000 write request units per "
        "table by default); the by-poll index is counted apart from its table. Lambda's concurrency is the region's "
        "(1,000 by default), shared by the API, the fold (one invocation per stream shard at a time) and the "
        "publisher.",
        "The model (ops/capacity.py, `python -m ops.capacity RATE` prints one rate) with a default poll's vote as "
        f"measured in 1a: {default.total:g} write units ({default.ballot:g} ballot, {default.guards:g} guards: the "
        f"spent proof, the address's window and its /24's, {default.index:g} by-poll index; an IPv6 reader's vote has "
        "two block windows, /56 and /48: 2 more). A vote without a challenge or window "
        f"(block=voter) writes {units['voter']['total']:g} (1a); today's design wrote "
        f"{capacity.TODAY_UNITS['default']:g} for a default poll and {capacity.TODAY_UNITS['voter']:g} for block=voter "
        "(TODAY_UNITS, measured at commit e674837). The peers keep neither guard: their units are a counter's "
        "UpdateItem (and the ballot's PutItem).",
        "The ledger: a vote writes only items keyed by its voter or by what guards it, so no two voters contend for an "
        "item but those behind one address prefix, for its window counter (at most "
        f"{DEFAULT_ADDRESS_LIMIT.votes} votes a window, counted as if all in one second), or in one wider block "
        "(an IPv4 /24, an IPv6 /56 or /48), for the block's (at a few hundred to 2,000 votes an hour, not "
        "modelled). Retries per vote are "
        "the chance that a prefix's other vote holds the window counter in a transaction (hold time "
        f"{capacity.HOLD_MEDIAN * ms:.0f} ms median, {capacity.HOLD_P99 * ms:.0f} ms p99, an assumption) when every "
        f"voter's prefix votes at its allowance ({DEFAULT_ADDRESS_LIMIT.votes} in "
        f"{DEFAULT_ADDRESS_LIMIT.minutes} minutes): they do not grow with the rate. The shared keys are the by-poll "
        f"index's {INDEX_BUCKETS} buckets (every ballot writes one) and the poll's own partition: one fold write per "
        f"stream shard per batch, the publisher's summary every {capacity.PUBLISH_WINDOW:g} s, and each API "
        "container's read of the definition and summary once a second (eventually consistent, under 4 KB: half a "
        "read unit). The audience's tallies have partitions of their own: "
        f"{capacity.AUDIENCE_WRITES} writes per stream shard per batch (section 11) of {capacity.AUDIENCE_UNITS:g} "
        f"write units each (an assumption), spread over the poll's {capacity.AUDIENCE_BUCKETS} audience partitions by "
        "stream shard; they count in the dollars too. "
        "'Accepted' is the rate while the busiest key is within its limit, scaled down past it.",
        "Stream shards: one per ballots-table partition, which on-demand DynamoDB keeps about "
        f"{capacity.PARTITION_TARGET:.0%} loaded (an assumption): the table's WCU/s ÷ "
        f"{capacity.PARTITION_WCU * capacity.PARTITION_TARGET:,.0f}. API containers: the rate × "
        f"{capacity.HANDLER_SECONDS * ms:.0f} ms of handler time a vote (an assumption: the handler's own work, one "
        "write, the proof's check).",
        "Fold lag, deployed (simulated per stream shard, seeded): a ballot's stream record becomes readable after a "
        f"lognormal delay (median {capacity.PROPAGATION_MEDIAN:g} s, p99 {capacity.PROPAGATION_P99:g} s, an "
        f"assumption); a batch is due {capacity.FOLD_WINDOW:g} s after its first record (FOLD_BATCH_SECONDS, the "
        "mapping's batching window) or at 1,000 records; Lambda polls the shard every "
        f"{capacity.POLL_INTERVAL:g} s and runs one invocation at a time (median {capacity.INVOKE_MEDIAN * ms:.0f} ms, "
        f"p99 {capacity.INVOKE_P99 * ms:.0f} ms). Target: p99 ≤ 5 s; the model gives {lags}, since stream shards "
        "grow with the rate and each carries about the same load. Section 6b measures it on the local stack.",
        f"Today's design (simulated, {seconds:g} simulated seconds a rate, seeded): each vote one TransactWriteItems "
        f"on one of {capacity.SHARDS_TODAY:,} shard items (the API's maximum) holding it for the same lognormal time; "
        "a vote meeting a held item is cancelled (TransactionConflict) and retried on another shard after its round "
        f"trip and a full-jitter backoff, at most {capacity.VOTE_ATTEMPTS} attempts, then refused (503 try_again). "
        "AWS, 'Transaction conflict handling in DynamoDB': a conflict occurs when an item of a TransactWriteItems "
        "request is part of another ongoing one. Its results reads were the poll item and every shard, by every "
        f"container, once a second: {rereads:.0%} of its dollars.",
        f"The peers: one counter item per option, the leading option taking {capacity.LEAD_SHARE:.0%} of the votes; "
        f"an item takes at most {capacity.PARTITION_WCU:,} WCU a second ('Burst and adaptive capacity': 'up to the "
        f"partition maximum of {capacity.PARTITION_RCU:,} RCUs and {capacity.PARTITION_WCU:,} WCUs to that single "
        "item's primary key'); past it, writes are refused. Neither counts every vote exactly once (1b).",
        "Dollars per million votes: DynamoDB only, at us-east-1 on-demand list prices as of 2025, an assumption "
        f"(${capacity.WRITE_PRICE * 1e6:.3f} per million write units, ${capacity.READ_PRICE * 1e6:.3f} per million "
        f"read units, S3 PUT ${capacity.S3_PUT * 1e3:.3f} per 1,000): the votes' writes, the fold's and the "
        "publisher's writes and reads, the containers' reads, the publisher's three S3 objects a batch (latest JSON, "
        "CSV and the results page). Lambda, API Gateway and data transfer are left out.",
        "Targets (a benchmark, not a test): at 100,000 votes/s on one poll, fewer than "
        f"{capacity.RETRY_TARGET} retries a vote and no key over {capacity.HEADROOM:.0%} of its partition's limit. "
        f"The ledger there: {hot.retries_per_vote:.4f} retries a vote, busiest key {hot.busiest_share:.0%} "
        f"({hot.busiest_key}). At {top.rate:,} votes/s: {top.retries_per_vote:.4f} retries a vote, busiest key "
        f"{top.busiest_share:.0%} ({top.busiest_key})"
        + (
            ", past the headroom: one fold write per stream shard per batch is more than the poll's partition "
            "takes there; a longer batching window (fewer, larger batches) would lower it."
            if top.busiest_share >= capacity.HEADROOM and top.busiest_key.startswith("the poll's partition (fold")
            else "."
        ),
    ]
