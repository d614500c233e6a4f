"""Benchmark 1: requests and capacity units per operation, ours against two peer designs, and who miscounts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError, ReadTimeoutError

from bench import harness
from bench.baselines import counted as baseline_counted
from bench.baselines import dynamodb, ensure_tables
from bench.baselines.no_dedupe import NoDedupe
from bench.baselines.read_then_write import ReadThenWrite

# The costs of the vote path itself: polls without a challenge or address window (bench/stuffing.py measures those).
UNPROTECTED = {"challenge": "none", "address_limit": None}

from chalicelib.store.dynamo.counts import shard_counts

from bench.harness import POLL, RECORDER, Section, fmt
from ops.client import PollClient

SNAPSHOT_SIZES = (1, 100, 1000)
QUICK_SNAPSHOT_SIZES = (1, 5)


def _cost_row(name: str, recorder: harness.Recorder) -> list[str]:
    totals = recorder.totals()
    ops = recorder.count()
    shown = ", ".join(f"{n} {op}" if n > 1 else op for op, n in ops.items()) or "none"
    s3 = f"{totals['s3_puts']} PUT, {totals['s3_gets']} GET" if totals["s3_puts"] or totals["s3_gets"] else "0"
    return [
        name,
        fmt(totals["requests"]),
        shown,
        fmt(totals["wcu"]),
        fmt(totals["index_wcu"]),
        fmt(totals["rcu"]),
        s3,
    ]


COST_HEADER = ["operation", "DynamoDB requests", "which", "WCU", "GSI WCU", "RCU", "S3 requests"]


def _measure(name: str, action: Callable[[], Any], rows: list[list[str]], data: dict[str, Any]) -> Any:
    RECORDER.clear()
    outcome = action()
    rows.append(_cost_row(name, RECORDER))
    data[name] = {**RECORDER.totals(), "operations": RECORDER.operations()}
    return outcome


def our_operations(sizes: tuple[int, ...]) -> tuple[list[list[str]], dict[str, Any]]:
    """Measure each of our API operations once, warm unless stated."""
    rows: list[list[str]] = []
    data: dict[str, Any] = {}
    with harness.backend() as api:
        for block in ("voter", "voter_and_ip", "none"):
            poll = api.create_poll(**POLL, repeat_votes={"block": block, "ip_limit": 100}, **UNPROTECTED)
            api.vote(poll["id"], ["yes"], harness.new_voter())  # warms the definition and tally
            _measure(
                f"warm vote ({block})",
                lambda p=poll: api.vote(p["id"], ["no"], harness.new_voter()),
                rows,
                data,
            )
        poll = api.create_poll(**POLL, **UNPROTECTED)
        voter = harness.new_voter()
        api.vote(poll["id"], ["yes"], voter)
        refused = _measure("repeat vote (409)", lambda: api.vote(poll["id"], ["no"], voter), rows, data)
        refused.expect(409)
        harness.state.reset_all()  # a fresh Lambda container
        _measure("results read, cold", lambda: api.results(poll["id"]), rows, data)
        _measure("results read, within the cache window", lambda: api.results(poll["id"]), rows, data)
        created = _measure(
            "poll creation (10 shards)",
            lambda: api.create_poll(question="Tea or coffee?", options=["Tea", "Coffee"]),
            rows,
            data,
        )
        harness.state.reset_all()
        _measure("close (PATCH status=closed)", lambda: api.close(created["id"]), rows, data)
    for size in sizes:
        with harness.backend() as api:
            harness.seed_active_polls(size)
            report = _measure(
                f"snapshot run, {size:,} active poll{'s' if size > 1 else ''}",
                lambda: api.snapshots().expect(200),
                rows,
                data,
            )
            assert report["written"] == size, report
    return rows, data


def measure_vote_units() -> dict[str, dict[str, float]]:
    """Write units of one warm vote per blocking mode, split by the key they land on (measured on moto)."""
    found: dict[str, dict[str, float]] = {}
    with harness.backend() as api:
        counters = harness.get_settings().counters_table
        for block in ("voter", "voter_and_ip", "none"):
            poll = api.create_poll(**POLL, repeat_votes={"block": block, "ip_limit": 100}, **UNPROTECTED)
            api.vote(poll["id"], ["yes"], harness.new_voter())
            RECORDER.clear()
            api.vote(poll["id"], ["no"], harness.new_voter())
            (call,) = [c for c in RECORDER.calls if c.operation == "TransactWriteItems"]
            units = {"shard": 0.0, "ballot": 0.0, "ip": 0.0, "gsi": 0.0}
            for table, key, wcu in call.items:
                kind = "shard" if table == counters else "ballot" if '"b#' in key else "ip"
                units[kind] += wcu
            units["gsi"] = sum(wcu for _, _, wcu in call.index_items)
            units["total"] = call.wcu + call.index_wcu
            found[block] = units
    return found


# ---------------------------------------------------------------- designs side by side


class Ours:
    """Our API through the Chalice test client, with the same interface as the baselines."""

    def __init__(self, api: PollClient, block: str) -> None:
        self.api = api
        self.name = f"ours (block={block})"
        self.block = block

    def new_poll(self) -> str:
        return str(
            self.api.create_poll(**POLL, repeat_votes={"block": self.block, "ip_limit": 1000}, **UNPROTECTED)["id"]
        )

    def vote(self, poll_id: str, voter: str, options: list[str]) -> str:
        answer = self.api.vote(poll_id, options, voter)
        return "counted" if answer.status == 201 else str(answer.error)

    def counted(self, poll_id: str) -> int:
        return sum(c.voters for c in shard_counts(poll_id, 10).values())


class Baseline:
    """A baseline design with the interface the scenarios use."""

    def __init__(self, design: Any) -> None:
        self.design = design
        self.name = design.name
        self._polls = 0

    def new_poll(self) -> str:
        self._polls += 1
        return f"{type(self.design).__name__.lower()}-poll-{self._polls}"

    def vote(self, poll_id: str, voter: str, options: list[str]) -> str:
        return str(self.design.vote(poll_id, voter, options))

    def counted(self, poll_id: str) -> int:
        return baseline_counted(self.design.client, poll_id, ["yes", "no"])


ENDPOINT = "https://dynamodb.us-east-1.amazonaws.com/"
LOST_RESPONSES: dict[str, Callable[[], Exception]] = {
    "ReadTimeoutError": lambda: ReadTimeoutError(endpoint_url=ENDPOINT),
    "InternalServerError": lambda: ClientError(
        {"Error": {"Code": "InternalServerError", "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": 500}},
        "write",
    ),
}


def _lose_response_of_write(number: int, error: str) -> None:
    """Make the `number`-th successful write (1-based) of what follows commit but lose its response."""
    state = {"writes": 0}

    def hook(operation: str, params: dict[str, Any], failed: bool) -> None:
        if operation in harness.WRITE_OPERATIONS and not failed:
            state["writes"] += 1
            if state["writes"] == number:
                raise LOST_RESPONSES[error]()

    harness.AFTER_CALL.append(hook)


def _client_vote_with_one_retry(design: Any, poll_id: str, voter: str) -> list[str]:
    """A client that resends once when it got no answer or a 503."""
    outcomes = []
    for _ in range(2):
        try:
            outcome = design.vote(poll_id, voter, ["yes"])
        except Exception as exc:  # noqa: BLE001 - any failure reaching the client looks the same to it
            outcome = f"error ({type(exc).__name__})"
        outcomes.append(outcome)
        if outcome in ("counted", "already_voted"):
            break
    return outcomes


def _concurrent_pair(design: Any, poll_id: str, voter: str) -> list[str]:
    """Two requests by one voter: both do their reads before either writes; writes then go one at a time."""
    barrier = threading.Barrier(2, timeout=20)
    write_lock = threading.Lock()
    local = threading.local()

    def before(operation: str, params: dict[str, Any]) -> None:
        if operation not in harness.WRITE_OPERATIONS or not getattr(local, "voting", False):
            return
        if not getattr(local, "arrived", False):
            local.arrived = True
            barrier.wait()  # both requests have read everything they read before writing
        write_lock.acquire()

    def after(operation: str, params: dict[str, Any], failed: bool) -> None:
        if operation in harness.WRITE_OPERATIONS and getattr(local, "voting", False):
            write_lock.release()

    harness.BEFORE_CALL.append(before)
    harness.AFTER_CALL.append(after)
    outcomes: list[str] = ["", ""]

    def run(index: int) -> None:
        local.voting = True
        outcomes[index] = design.vote(poll_id, voter, ["yes"])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    harness.BEFORE_CALL.remove(before)
    harness.AFTER_CALL.remove(after)
    return sorted(outcomes)


SCENARIOS = [
    ("one vote", "a voter votes once"),
    ("repeat vote / resend after a lost HTTP answer", "the same voter sends the same vote again later"),
    (
        "lost storage response (ReadTimeoutError) after the last write, retried",
        "the request's last write commits, its response times out, the vote is retried once",
    ),
    (
        "lost storage response (InternalServerError) after the last write, retried",
        "the same, but the store answers 500 InternalServerError after committing (outcome unknown to the caller)",
    ),
    (
        "lost storage response (ReadTimeoutError) after the first write, retried",
        "the request's first write commits, its response is lost (the rest never runs), the vote is retried once",
    ),
    ("two concurrent requests by one voter", "both requests read before either writes (deterministic interleaving)"),
]


def _run_scenario(design: Any, scenario: str) -> tuple[int, list[str]]:
    poll_id = design.new_poll()
    voter = harness.new_voter()
    if scenario == "one vote":
        outcomes = [design.vote(poll_id, voter, ["yes"])]
    elif scenario.startswith("repeat vote"):
        outcomes = [design.vote(poll_id, voter, ["yes"]), design.vote(poll_id, voter, ["yes"])]
    elif scenario.startswith("lost storage response"):
        last = {"ours": 1, "UpdateItem ADD, no dedupe": 1, "GetItem + PutItem + UpdateItem": 2}
        which = 1 if "first write" in scenario else last.get(design.name, 1)
        _lose_response_of_write(which, "ReadTimeoutError" if "ReadTimeout" in scenario else "InternalServerError")
        try:
            outcomes = _client_vote_with_one_retry(design, poll_id, voter)
        finally:
            harness.AFTER_CALL.clear()
    else:
        outcomes = _concurrent_pair(design, poll_id, voter)
    return design.counted(poll_id), outcomes


def designs_side_by_side() -> tuple[Section, dict[str, Any]]:
    """Cost per vote and miscounts of ours and the two baselines, measured on moto."""
    section = Section("1b. Our vote against the two peer designs")
    data: dict[str, Any] = {"costs": {}, "counts": {}}
    with harness.backend() as api:
        boto = dynamodb()
        ensure_tables(boto)
        designs: list[Any] = [
            Baseline(NoDedupe(boto)),
            Baseline(ReadThenWrite(boto)),
            Ours(api, "voter"),
            Ours(api, "none"),
        ]
        cost_rows = []
        for design in designs:
            poll_id = design.new_poll()
            design.vote(poll_id, harness.new_voter(), ["yes"])  # warm
            voter = harness.new_voter()
            for label in ("vote", "repeat vote"):
                RECORDER.clear()
                outcome = design.vote(poll_id, voter, ["yes"])
                totals = RECORDER.totals()
                data["costs"][(design.name, label)] = totals
                cost_rows.append(
                    [
                        design.name,
                        label,
                        outcome,
                        fmt(totals["requests"]),
                        ", ".join(RECORDER.operations()),
                        fmt(totals["wcu"] + totals["index_wcu"]),
                        fmt(totals["rcu"]),
                    ]
                )
        section.table(["design", "request", "outcome", "requests", "which", "WCU (incl. GSI)", "RCU"], cost_rows)
        rows = []
        for scenario, how in SCENARIOS:
            row = [scenario]
            for design in designs:
                count, outcomes = _run_scenario(design, scenario)
                data["counts"][(design.name, scenario)] = count
                verdict = "" if count == 1 else (" **double**" if count > 1 else " **lost**")
                row.append(f"{count}{verdict} ({' → '.join(outcomes)})")
            rows.append(row + [how])
        section.table(["scenario (votes counted; answers)"] + [d.name for d in designs] + ["what happens"], rows)
    section.notes += [
        "Counted = the poll's counters after the scenario; 1 is right. Every cell is measured on moto, not asserted.",
        "'Lost storage response': the write commits on the store, then the SDK call raises (a botocore after-call "
        "hook): ReadTimeoutError as a timeout after commit would, or a 500 InternalServerError. Baselines propagate "
        "it and the caller retries the whole vote once; our handler retries its own transaction with the same "
        "request id and recognises its committed ballot; the client resends once after a 5xx or no answer.",
        "A transport-level loss (botocore ReadTimeoutError, ConnectionClosedError: no response at all) and a "
        "server-side one (InternalServerError) take the same designed path: the outcome is unknown, the handler "
        "retries with the same request id, recognises its own committed ballot and answers 201; the count stays 1.",
        "Ours with block=none has no ballot: after an unknown outcome it answers 503 try_again instead of guessing, "
        "and a client that then resends can count twice. That is the mode's documented trade-off (no voter identity).",
        "Concurrency: a barrier holds each request at its first write until both have done their reads; writes then "
        "run one at a time (DynamoDB serialises writes to one item). Our second transaction is refused by the "
        "ballot's attribute_not_exists condition (409 already_voted).",
    ]
    return section, data


def run(quick: bool = False) -> list[Section]:
    """Run benchmark 1 and return its sections."""
    rows, data = our_operations(QUICK_SNAPSHOT_SIZES if quick else SNAPSHOT_SIZES)
    ours = Section("1a. Requests and capacity units per operation (ours)", data=data)
    ours.table(COST_HEADER, rows)
    ours.notes += [
        "Counted with botocore event hooks (before-parameter-build / after-call) on every client, PynamoDB's included, "
        "against moto in process.",
        "Capacity is computed, not read from moto: moto's ReturnConsumedCapacity returns fixed placeholders (1.0 per "
        "write, 2.0 per transactional get) whatever the item size. Rules used, on item sizes read from moto's backend "
        "before and after each write (attribute name bytes + value bytes; numbers ~1 byte per 2 digits + 1; maps and "
        "lists 3 bytes + 1 per element): standard write = 1 WCU per KB of the larger of the old and new item, "
        "transactional write = 2 WCU per KB per item, strongly consistent read = 1 RCU per 4 KB (eventually 0.5), "
        "BatchGetItem rounds per item, Query once over all items returned; a refused conditional write or a cancelled "
        "transaction is charged as if written (an upper bound: AWS bills failed conditional writes).",
        "GSI WCU: writes to the global secondary indexes, 1 WCU per KB per index entry put, changed or deleted: the "
        "polls table's sparse `snapshot-due` (projection ALL) and the ballots table's `by-slot` (INCLUDE options), "
        "which every ballot write also writes (+1 WCU a vote).",
        "'Cold' = a fresh process (all caches and clients dropped). 'Warm' = definition and tally cached.",
    ]
    side, side_data = designs_side_by_side()
    side.data = side_data
    return [ours, side]
