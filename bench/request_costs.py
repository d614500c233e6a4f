"""Benchmark 1: requests and capacity units per operation on the ledger, ours against two peer designs, and who
miscounts."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from botocore.exceptions import ClientError, ReadTimeoutError

from bench import harness
from bench.baselines import counted as baseline_counted
from bench.baselines import dynamodb, ensure_tables
from bench.baselines.no_dedupe import NoDedupe
from bench.baselines.read_then_write import ReadThenWrite
from bench.harness import POLL, RECORDER, Section, fmt
from chalicelib.core.ledger import INDEX_BUCKETS
from chalicelib.services import edge, fold
from chalicelib.store.adapters import store
from local.streams import fold_now, stream_batches
from ops import capacity
from ops.client import PollClient

# The vote path in each blocking and challenge mode: (key, what, poll fields). The keys match ops/capacity.py's
# TODAY_UNITS, today's design measured the same way before the ledger.
UNPROTECTED: dict[str, Any] = {"challenge": "none", "address_limit": None}
MODES: list[tuple[str, str, dict[str, Any]]] = [
    ("default", "a new poll's defaults: proof of work, address windows (the address's, its /24's), block=voter", {}),
    ("proof_of_work", "proof of work only", {"address_limit": None}),
    ("address_window", "address windows only (the address's, its /24's)", {"challenge": "none"}),
    ("turnstile", "Turnstile (siteverify stand-in)", {"challenge": "turnstile", "address_limit": None}),
    ("voter", "block=voter, no challenge, no window", UNPROTECTED),
    ("voter_and_ip", "block=voter_and_ip, no challenge", {**UNPROTECTED, "repeat_votes": {"block": "voter_and_ip"}}),
    ("none", "block=none, no challenge", {**UNPROTECTED, "repeat_votes": {"block": "none"}}),
]
FOLD_VOTES = 10  # ballots in each measured fold batch
SNAPSHOT_SIZES = (1, 100, 1000)
QUICK_SNAPSHOT_SIZES = (1, 5)
TURNSTILE_SECRET = "bench-turnstile-secret"


@contextmanager
def turnstile_standin() -> Iterator[None]:
    """A siteverify stand-in on loopback that passes every token, and the stage's settings pointing at it."""

    class Passes(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server interface
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            body = json.dumps({"success": True, "error-codes": []}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Passes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = {name: os.environ.get(name) for name in ("TURNSTILE_SECRET", "TURNSTILE_VERIFY_URL")}
    os.environ["TURNSTILE_SECRET"] = TURNSTILE_SECRET
    os.environ["TURNSTILE_VERIFY_URL"] = f"http://127.0.0.1:{server.server_address[1]}/siteverify"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.shutdown()
        server.server_close()


def _proof(api: PollClient, poll: dict[str, Any]) -> str | None:
    """A proof for one vote on the poll: a solved challenge, a Turnstile token, or none."""
    if poll["challenge"] == "proof_of_work":
        return api.solved_challenge(poll["id"])
    if poll["challenge"] == "turnstile":
        return "bench-turnstile-token-" + harness.new_voter()
    return None


def _written(calls: list[harness.Call]) -> list[str]:
    """What the recorded writes touched, as table role and key kind ("ballots b#", "index by-poll")."""
    settings = harness.get_settings()
    roles = {
        settings.ballots_table: "ballots",
        settings.guards_table: "guards",
        settings.polls_table: "polls",
        settings.audit_table: "audit",
    }
    found = []
    for call in calls:
        for table, key, _ in call.items:
            values = json.loads(key)
            named = values.get("part") or values.get("pk")  # the polls table's sort key, else the hash key
            text = str(next(iter(named.values()))) if named else ""
            kind = text.split("#", 1)[0] + "#" if "#" in text else text
            found.append(f"{roles.get(table, table)} {kind}".strip())
        found += [f"index {index}" for index, _, _ in call.index_items]
    return found


def _units(calls: list[harness.Call]) -> dict[str, float]:
    """Write units of the recorded calls by where they landed: ballots table, guards table, indexes."""
    settings = harness.get_settings()
    units = {"ballot": 0.0, "guards": 0.0, "index": 0.0, "polls": 0.0}
    for call in calls:
        for table, _, wcu in call.items:
            kind = {settings.ballots_table: "ballot", settings.guards_table: "guards"}.get(table, "polls")
            units[kind] += wcu
        units["index"] += call.index_wcu
    units["total"] = sum(units.values())
    return units


def warm_vote(api: PollClient, fields: dict[str, Any]) -> tuple[str, str | None]:
    """Create a poll with these fields, vote once to warm the process's catalog, and return the poll and a proof
    ready for the next vote (solved beforehand, so the next vote comes well within the cache's second)."""
    poll = api.create_poll(**POLL, **fields)
    first, second = _proof(api, poll), _proof(api, poll)
    api.vote(poll["id"], ["yes"], harness.new_voter(), proof=first).expect(201)
    return poll["id"], second


def _cost_row(name: str, recorder: harness.Recorder) -> list[str]:
    totals = recorder.totals()
    ops = recorder.count()
    shown = ", ".join(f"{n} {op}" if n > 1 else op for op, n in ops.items()) or "none"
    s3 = f"{totals['s3_puts']} PUT, {totals['s3_gets']} GET" if totals["s3_puts"] or totals["s3_gets"] else "0"
    written = _written(recorder.calls)
    kinds = ", ".join(dict.fromkeys(written)) if len(written) <= 6 else f"{len(written)} items"
    return [
        name,
        fmt(totals["requests"]),
        shown,
        fmt(totals["wcu"]),
        fmt(totals["index_wcu"]),
        fmt(totals["rcu"]),
        s3,
        kinds or "none",
    ]


COST_HEADER = [
    "operation",
    "DynamoDB requests",
    "which",
    "WCU",
    "GSI WCU",
    "RCU",
    "S3 requests",
    "items written (table, key kind)",
]


def _measure(name: str, action: Callable[[], Any], rows: list[list[str]], data: dict[str, Any]) -> Any:
    RECORDER.clear()
    outcome = action()
    rows.append(_cost_row(name, RECORDER))
    data[name] = {
        **RECORDER.totals(),
        "operations": RECORDER.operations(),
        "written": _written(RECORDER.calls),
        "units": _units(RECORDER.calls),
    }
    return outcome


def _votes(api: PollClient, poll_id: str, count: int) -> None:
    for _ in range(count):
        api.vote(poll_id, ["yes"], harness.new_voter()).expect(201)


def _fold_batches() -> int:
    """Fold what the ballots stream holds (as the fold's event source would); return the batches."""
    events = stream_batches(harness.get_settings().ballots_table)
    RECORDER.clear()  # the stream reads above are the event source's, not the fold's
    for event in events:
        fold.fold(event)
    return len(events)


def _publish_batches() -> int:
    """Publish what the polls stream holds (as the publisher's event source would); return the batches."""
    events = stream_batches(harness.get_settings().polls_table)
    RECORDER.clear()
    for event in events:
        edge.publish_changed(event)
    return len(events)


def the_votes(api: PollClient, rows: list[list[str]], data: dict[str, Any]) -> None:
    """A warm vote in each mode; a cold process's first vote; a repeated vote."""
    with turnstile_standin():
        harness.state.reset_all()  # the settings and secrets with the stand-in's
        for key, what, fields in MODES:
            poll_id, proof = warm_vote(api, fields)
            answer = _measure(
                f"warm vote ({key})",
                lambda p=poll_id, q=proof: api.vote(p, ["no"], harness.new_voter(), proof=q),
                rows,
                data,
            )
            answer.expect(201)
            rows[-1][0] = f"warm vote ({key}: {what})"
    poll = api.create_poll(**POLL)
    proof = _proof(api, poll)
    harness.state.reset_all()  # a fresh Lambda container: nothing cached
    _measure(
        "vote, cold process (default)",
        lambda: api.vote(poll["id"], ["yes"], harness.new_voter(), proof=proof),
        rows,
        data,
    ).expect(201)
    poll = api.create_poll(**POLL, **UNPROTECTED)
    voter = harness.new_voter()
    api.vote(poll["id"], ["yes"], voter).expect(201)
    _measure("repeat vote (409, voter)", lambda: api.vote(poll["id"], ["no"], voter), rows, data).expect(409)


def the_reads_and_the_fold(api: PollClient, rows: list[list[str]], data: dict[str, Any]) -> None:
    """Results reads, cold and warm; the fold's and the publisher's requests per batch."""
    fold_now()  # what earlier votes left in the streams, folded and published: the batches below are these votes'
    poll = api.create_poll(**POLL, **UNPROTECTED)
    _votes(api, poll["id"], FOLD_VOTES)
    _measure(f"fold: a poll's first batch on a stream shard ({FOLD_VOTES} ballots)", _fold_batches, rows, data)
    _votes(api, poll["id"], FOLD_VOTES)
    _measure(f"fold: a later batch ({FOLD_VOTES} ballots)", _fold_batches, rows, data)
    _measure("publish: one batch of the polls stream (1 poll changed)", _publish_batches, rows, data)
    harness.state.reset_all()  # a fresh Lambda container
    _measure("results read, cold", lambda: api.results(poll["id"]).expect(200), rows, data)
    _measure("results read, within the cache window", lambda: api.results(poll["id"]).expect(200), rows, data)
    shown = api.results(poll["id"]).expect(200)["total_voters"]
    data["results read, cold"]["total_voters"] = shown


def our_operations(sizes: tuple[int, ...]) -> tuple[list[list[str]], dict[str, Any]]:
    """Measure each of our API operations once, warm unless stated."""
    rows: list[list[str]] = []
    data: dict[str, Any] = {}
    with harness.backend() as api:
        the_votes(api, rows, data)
        the_reads_and_the_fold(api, rows, data)
        created = _measure(
            "poll creation", lambda: api.create_poll(question="Tea or coffee?", options=["Tea", "Coffee"]), rows, data
        )
        harness.state.reset_all()
        _measure("close (PATCH status=closed)", lambda: api.close(created["id"]).expect(200), rows, data)
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
    """Write units of one warm vote in each mode, by where they land (measured on moto)."""
    found: dict[str, dict[str, float]] = {}
    with harness.backend() as api, turnstile_standin():
        harness.state.reset_all()
        for key, _, fields in MODES:
            poll_id, proof = warm_vote(api, fields)
            RECORDER.clear()
            api.vote(poll_id, ["no"], harness.new_voter(), proof=proof).expect(201)
            found[key] = _units(RECORDER.calls)
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
        fold_now(publish=False)  # the ballots so far, folded as the fold's event source would
        return store().read_view(poll_id, consistent=True).counts.voters


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
    none_retried = [data["counts"][("ours (block=none)", name)] for name, _ in SCENARIOS if "after the" in name]
    section.notes += [
        "Counted = for the baselines, their counters after the scenario; for ours, the ballots folded into the poll's "
        "tallies (the ballots table's stream read and folded as the fold's event source would, then the poll's "
        "partition read). 1 is right. Every cell is measured on moto, not asserted.",
        "'Lost storage response': the write commits on the store, then the SDK call raises (a botocore after-call "
        "hook): ReadTimeoutError as a timeout after commit would, or a 500 InternalServerError. Baselines propagate "
        "it and the caller retries the whole vote once; our handler retries its one write with the same request id "
        "and recognises its committed ballot; the client resends once after a 5xx or no answer. Our vote is one "
        "request, so its first write is its last.",
        "A transport-level loss (botocore ReadTimeoutError, ConnectionClosedError: no response at all) and a "
        "server-side one (InternalServerError) take the same designed path: the outcome is unknown, the handler "
        "retries with the same request id, recognises its own committed ballot and answers 201; the count stays 1.",
        "Ours with block=none keeps no voter identity: its ballot is keyed by the request, so the handler's own retry "
        "after a lost storage response "
        + (
            "finds its ballot and counts once (the rows above)"
            if all(n == 1 for n in none_retried)
            else f"counted {', '.join(map(str, none_retried))} in this run"
        )
        + ", while a reader's resend or a second concurrent request is a new request and counts again. That is the "
        "mode's documented trade-off.",
        "Concurrency: a barrier holds each request at its first write until both have done their reads; writes then "
        "run one at a time (DynamoDB serialises writes to one item). Our second write, a conditional PutItem of the "
        "same ballot, is refused by its attribute_not_exists condition (409 already_voted).",
    ]
    return section, data


def run(quick: bool = False) -> list[Section]:
    """Run benchmark 1 and return its sections."""
    rows, data = our_operations(QUICK_SNAPSHOT_SIZES if quick else SNAPSHOT_SIZES)
    ours = Section("1a. Requests and capacity units per operation (ours)", data=data)
    ours.table(COST_HEADER, rows)
    compared: dict[str, dict[str, float | None]] = {}
    unit_rows = []
    for key, what, _ in MODES:
        measured = data[f"warm vote ({key})"]["units"]
        before = capacity.TODAY_UNITS.get(key)
        compared[key] = {"ledger": measured["total"], "today": before}
        unit_rows.append(
            [
                f"{key} ({what})",
                fmt(measured["total"]),
                " + ".join(fmt(measured[k]) for k in ("ballot", "guards", "index")),
                "not measured" if before is None else fmt(before),
            ]
        )
    ours.table(
        [
            "poll mode",
            "ledger: WCU a vote (incl. GSI)",
            "ballots + guards + by-poll index",
            "today's design (commit e674837, same rules)",
        ],
        unit_rows,
    )
    data["units_vs_today"] = compared
    ours.notes += [
        "Counted with botocore event hooks (before-parameter-build / after-call) on every client, PynamoDB's included, "
        "against moto in process. 'Items written' names each item a request wrote by its table and key kind: on the "
        "vote path only items keyed by the voter or request (`b#`, `r#`), by the spent proof (`pow#`), the address "
        "prefix's or its block's window (`aw#`; a loopback reader's block is its /24; an IPv6 reader's vote writes "
        "two block windows, /56 and /48) or the address (`ip#`), and the ballot's by-poll index bucket: nothing of "
        "the poll's.",
        "Capacity is computed, not read from moto: moto's ReturnConsumedCapacity returns fixed placeholders (1.0 per "
        "write, 2.0 per transactional get) whatever the item size. Rules used, on item sizes read from moto's backend "
        "before and after each write (attribute name bytes + value bytes; numbers ~1 byte per 2 digits + 1; maps and "
        "lists 3 bytes + 1 per element): standard write = 1 WCU per KB of the larger of the old and new item, "
        "transactional write = 2 WCU per KB per item, strongly consistent read = 1 RCU per 4 KB (eventually 0.5), "
        "BatchGetItem rounds per item, Query once over all items returned; a refused conditional write or a cancelled "
        "transaction is charged as if written (an upper bound: AWS bills failed conditional writes).",
        "GSI WCU: writes to the global secondary indexes, 1 WCU per KB per index entry put, changed or deleted: the "
        "ballots table's `by-poll` (INCLUDE options, source, voided_at, expires_at; a poll's ballots spread over "
        f"{INDEX_BUCKETS} bucket keys), which every ballot write also writes (+1 WCU a vote), the polls table's "
        "sparse `snapshot-due` (projection ALL; definitions only, never tallies) and the audit table's `feed`.",
        "'Warm' = the poll's definition and published results cached in the process (read at most a second ago); the "
        "warm vote's proof was solved before the vote that warmed the cache. 'Cold' = a fresh process (all caches and "
        "clients dropped): its first vote reads the definition and summary (one Query) before writing; a cold results "
        "read is that one Query (two small items, eventually consistent), a read within the second none.",
        f"Fold and publish: {FOLD_VOTES} votes on one poll, then the ballots stream's records folded as the fold's "
        "event source delivers them (one batch per stream shard; moto has one). A poll's first batch on a stream shard "
        "finds no tally (its conditional UpdateItem fails), reads the shard's marker and creates the tally with a "
        "check of the marker (one transaction); every later batch is one conditional UpdateItem of the tally for each "
        "poll in it, whatever the number of its ballots. The audience adds one conditional UpdateItem per audience "
        "tally the batch touches (countries, sites, surfaces, the hour of minutes: `u#`, in partitions of their own, "
        "section 11) and, on a shard's first batch, a read of its site tally. Surges add one UpdateItem per minute "
        "and counter bucket the batch's ballots fall in (`v#`, per stream shard, in one of four partitions of the "
        "poll's own, four buckets a minute; here one: every vote from one loopback /24, no network) and, at most "
        "every 5 s a process, one Query of each of the four partitions (the poll's last 65 minutes of counters) to "
        "apply the rule (here on the first batch; the later one came within 5 s); in Lambda the fold's catalog read "
        "of the poll (one Query, at most once a second) comes too. The "
        "publisher's batch reads the changed poll's partition (one Query) and "
        "puts its summary, then writes latest.json, latest.csv and the results page (r/<id>).",
        "Snapshot runs: the job queries the sparse `snapshot-due` index, reads each due poll's definition and tallies "
        "(one Query a poll), marks each poll written (UpdateItem) and records the run in the audit log (PutItem; "
        "it was run through the admin route).",
        "Write units per warm vote (the second table): the ledger's figures are this run's warm votes above; today's "
        "are the same measurement (bench/harness.py's capacity rules on moto) made at commit e674837, the last before "
        "the ledger, and kept in ops/capacity.py (TODAY_UNITS): there every vote was one transaction of its ballot, "
        "its guards and one of the poll's shard items, 2 WCU each, plus 1 for the by-slot index. The ledger drops the "
        "shard item, and a vote whose ballot is its only item is a plain PutItem (1 WCU instead of 2). Turnstile was "
        "not measured then (a Turnstile vote writes what a vote without a challenge writes).",
    ]
    side, side_data = designs_side_by_side()
    side.data = side_data
    return [ours, side]
