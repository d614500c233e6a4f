"""Every benchmark runs with tiny sizes and its figures make sense (the full run is `make bench`).

Each benchmark runs as `make bench` runs it, in its own process: `python -m bench.run --quick --only NAME`, which
writes its figures as JSON (`--data`) and its BENCHMARKS.md (`--output`) into a temporary folder. The tests read
those and never import bench/ (import-linter keeps it so).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import ROOT

NO_DEDUPE = "UpdateItem ADD, no dedupe"
READ_THEN_WRITE = "GetItem + PutItem + UpdateItem"
OURS = "ours (block=voter)"
LOST_AFTER_LAST = "lost storage response (InternalServerError) after the last write, retried"
LOST_AFTER_FIRST = "lost storage response (ReadTimeoutError) after the first write, retried"
CONCURRENT = "two concurrent requests by one voter"
QUICK_RUNS = 2  # bench/cold_start.py's fresh processes in --quick
TIMEOUT = 900  # seconds for one benchmark's quick run (the stuffing drill starts a stack and Chromium)


@dataclass
class Run:
    """One benchmark's quick run: its sections (title, figures, markdown) and the BENCHMARKS.md it wrote."""

    sections: list[dict[str, Any]]
    document: str

    def figures(self, index: int = 0) -> dict[str, Any]:
        """The figures of one of its sections."""
        return dict(self.sections[index]["data"])


def pair(*names: str) -> str:
    """The key `--data` writes for a tuple key of the figures."""
    return " | ".join(names)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Run]:
    """Run a benchmark (once per module) as `python -m bench.run --quick --only NAME` and return what it wrote."""
    runs: dict[str, Run] = {}

    def run(name: str) -> Run:
        if name not in runs:
            folder = tmp_path_factory.mktemp(name)
            data, document = folder / "figures.json", folder / "BENCHMARKS.md"
            command = ["-m", "bench.run", "--quick", "--only", name, "--data", str(data), "--output", str(document)]
            done = subprocess.run(
                [sys.executable, *command], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False
            )
            assert done.returncode == 0, f"bench.run --only {name} failed:\n{done.stdout[-4000:]}{done.stderr[-4000:]}"
            runs[name] = Run(json.loads(data.read_text()), document.read_text())
        return runs[name]

    return run


@pytest.fixture(scope="module")
def costs(bench: Callable[[str], Run]) -> Run:
    return bench("request_costs")


def test_a_warm_vote_in_every_blocking_and_challenge_mode_is_one_request(costs):
    votes = {name: figures for name, figures in costs.figures(0).items() if name.startswith("warm vote (")}
    assert len(votes) == 7
    assert {name: figures["requests"] for name, figures in votes.items()} == dict.fromkeys(votes, 1)
    assert votes["warm vote (voter)"]["operations"] == ["PutItem"]  # the ballot alone
    assert votes["warm vote (default)"]["operations"] == ["TransactWriteItems"]  # the ballot and its guards


def test_a_warm_vote_writes_nothing_of_the_polls_and_no_more_units_than_today(costs):
    ours = costs.figures(0)
    written = {item for name, figures in ours.items() if name.startswith("warm vote (") for item in figures["written"]}
    assert not [item for item in written if item.startswith("polls")]
    # the ballot, its proof, its address's window and its /24's (the loopback reader's block), its index entry
    written = ours["warm vote (default)"]["written"]
    assert written == ["ballots b#", "guards pow#", "guards aw#", "guards aw#", "index by-poll"]
    compared = ours["units_vs_today"]
    assert (compared["voter"]["ledger"], compared["default"]["ledger"]) == (2, 9)
    assert all(c["ledger"] <= c["today"] for c in compared.values() if c["today"] is not None)


def test_a_cold_results_read_is_one_query_and_a_warm_one_none(costs):
    ours = costs.figures(0)
    assert ours["results read, cold"]["operations"] == ["Query"]
    assert ours["results read, within the cache window"]["requests"] == 0
    assert ours["vote, cold process (default)"]["operations"] == ["Query", "TransactWriteItems"]


def test_a_later_fold_batch_is_one_update_of_the_polls_tally_one_per_audience_tally_and_surge_bucket(costs):
    ours = costs.figures(0)
    later = next(figures for name, figures in ours.items() if name.startswith("fold: a later batch"))
    assert set(later["operations"]) == {"UpdateItem"}
    assert later["written"][0] == "polls t#" and later["written"].count("polls t#") == 1
    surge_counters = later["written"].count("polls v#")  # one per minute and bucket the batch's ballots fall in
    assert 1 <= surge_counters <= 8
    assert 3 <= later["written"].count("polls u#") == len(later["written"]) - 1 - surge_counters  # c, s, f, minutes
    assert ours["results read, cold"]["total_voters"] == 20  # both folded batches, published


def test_the_no_dedupe_baseline_double_counts_a_retried_vote_and_ours_does_not(costs):
    counts = costs.figures(1)["counts"]
    assert counts[pair(NO_DEDUPE, LOST_AFTER_LAST)] == 2
    assert counts[pair(OURS, LOST_AFTER_LAST)] == 1


def test_read_then_write_loses_a_vote_after_a_lost_ballot_write_and_double_counts_concurrent_requests(costs):
    counts = costs.figures(1)["counts"]
    assert counts[pair(READ_THEN_WRITE, LOST_AFTER_FIRST)] == 0
    assert counts[pair(READ_THEN_WRITE, CONCURRENT)] == 2
    assert counts[pair(OURS, CONCURRENT)] == 1
    assert counts[pair(OURS, LOST_AFTER_FIRST)] == 1


def test_the_snapshot_writes_of_a_run_follow_the_changed_polls_and_its_reads_the_active_ones(bench):
    everything, changed = list(bench("snapshot_scale").figures().values())[-2:]
    polls, moved = everything["written"], changed["written"]
    assert 0 < moved < polls
    # a changed poll: latest JSON and CSV, the minute's history and the results page (one language); then the index
    assert everything["s3_puts"] == 4 * polls + 1 and changed["s3_puts"] == 4 * moved + 1
    assert changed["operations"]["UpdateItem"] == moved
    assert changed["operations"]["Query"] == everything["operations"]["Query"] == polls + 1  # the index, each poll


@pytest.fixture(scope="module")
def hot(bench: Callable[[str], Run]) -> dict[str, Any]:
    return bench("hot_poll").figures()


def test_the_ledger_takes_100000_votes_a_second_on_one_poll_within_the_targets_by_the_model(hot):
    ledger = hot["rates"]["100000"]["ledger"]
    assert ledger["retries"] < 0.1
    assert ledger["busiest_share"] <= 0.5
    assert (ledger["accepted"], ledger["refused"]) == (100_000, 0)
    assert ledger["lag_p99"] <= 5.0
    assert ledger["units"] == 9  # the default poll's vote, measured (with its /24's window)


def test_todays_shards_and_the_peers_counters_refuse_votes_at_100000_a_second_by_the_model(hot):
    designs = hot["rates"]["100000"]
    others = [figures for name, figures in designs.items() if name != "ledger"]
    assert len(others) == 3 and all(figures["refused"] > 0 for figures in others)


def test_the_quotas_a_100000_votes_a_second_poll_needs_raised_are_named(hot):
    raised = {name for name, text in hot["quotas"].items() if text.endswith(": raise")}
    assert {"Lambda concurrent executions", "ballots table write throughput"} <= raised


def test_the_fold_lag_is_measured_on_the_local_stack_for_every_ballot(bench):
    lag = bench("fold_lag").figures()
    assert lag["ballots"] >= lag["accepted"] > 0  # a refused vote may have committed (an unknown outcome)
    assert lag["folded"] == lag["ballots"] and lag["unmatched"] == 0
    assert 0 < lag["p50"] <= lag["p99"] <= lag["max"] < 30  # seconds: finite, and ordered
    assert lag["tally_writes"] >= 1


def test_the_handler_overhead_is_measured_against_the_bare_calls(bench):
    figures = bench("overhead").figures()
    assert all(f["ratio"] > 0 for f in figures.values())
    assert figures["results read (within cache window) vs bare Query"]["ratio"] < 1


def test_a_fresh_process_imports_the_app_and_answers_its_first_vote(bench):
    figures = bench("cold_start").figures()
    assert figures["runs"] == QUICK_RUNS
    assert figures["ratio"] > 1  # the app imports the deps and more, then votes


def test_the_package_benchmark_measures_the_small_package_or_says_it_is_missing(bench):
    figures = bench("package_size").figures()
    if figures["small"] is None:
        assert figures["how"].startswith("not available")
    else:
        assert 0 < figures["small"]["zip_bytes"] < 1024 * 1024


def test_the_widget_benchmark_reports_a_gzipped_size_or_not_available(bench):
    figures = bench("widget").figures()
    if figures["available"]:
        assert 0 < figures["gzipped"] < figures["bytes"]


def test_benchmarks_md_names_the_command_date_and_machine(costs):
    text = costs.document
    assert "Command:" in text and "cores" in text and "Python" in text
    assert "| warm vote (voter: block=voter, no challenge, no window) | 1 | PutItem |" in text
    first_table = costs.sections[0]["markdown"].split("\n\n")[1]
    assert "shards" not in first_table and "BatchGetItem" not in first_table  # no counter shards, no batch reads


def test_the_stuffing_drill_bounds_one_address_and_counts_no_replayed_proof(bench):
    figures = bench("stuffing").figures()
    cases = figures["cases"]
    assert cases["address limit only, one address"]["refused"] > 0  # the window binds within the run
    assert cases["default (proof of work + address limit), one address"]["per_hour_per_address"] <= 400
    assert cases["no protection, one address"]["cpu_per_vote"] < cases["default, 64 addresses"]["cpu_per_vote"]
    assert (figures["replays"]["replayed"], figures["replays"]["cross-poll"]) == (0, 0)
    assert figures["office"]["refused"] == 0
    for algorithm in ("scrypt", "pbkdf2"):  # the server's work per vote: one derivation to issue, one HMAC to verify
        assert 0 < figures["server"][algorithm]["verify_ms"] < figures["server"][algorithm]["issue_ms"] < 50


def test_the_drill_at_scale_meets_each_block_window_exactly_and_refuses_no_honest_reader_of_one_24(bench):
    figures = bench("stuffing_scale").figures()
    cases = figures["cases"]
    for attacker, allowed in (("IPv6 /48 (64 /64s)", 20), ("20 IPv4 addresses in 4 /24s", 40)):
        blocked = cases[pair(attacker, "address window + blocks (default)")]
        assert (blocked["accepted"], blocked["exhausted"]) == (allowed, True)  # the --quick block windows, no more
        assert cases[pair(attacker, "none")]["accepted"] > allowed  # without them the same attacker gets more
    assert figures["honest"]["refused"] == 0
    assert figures["gpu"]["advantage"] > figures["gpu"]["per_dollar"] > 1
    assert figures["dollars"]["cpu"] > figures["dollars"]["gpu"] > 0


def test_the_edge_benchmark_sees_votes_reach_the_document_and_readers_cost_less_through_the_site(bench):
    figures = bench("edge").figures()
    assert figures["accepted"] > 0 and figures["shown"] == figures["accepted"]  # every vote reached the document
    assert 0 < figures["p50"] <= figures["max"]
    assert figures["edge_api_per_1000"] < figures["direct_api_per_1000"] and figures["edge"] < figures["direct"]


def test_the_card_benchmark_times_each_card_against_an_empty_png_and_sizes_the_layer(bench):
    figures = bench("cards").figures()
    assert figures["empty_ms"] > 0
    for case in figures["cases"].values():
        assert case["ratio"] > 1 and 0 < case["png_bytes"] < 200_000  # drawing text costs more than a blank card
    assert 5 * 2**20 < figures["layer"]["zip_bytes"] and figures["layer"]["unzipped_bytes"] < 250 * 2**20


def test_the_audience_adds_a_few_writes_a_batch_whose_units_a_vote_fall_as_batches_grow(bench):
    figures = bench("audience_cost").figures(0)
    one, ten = figures["1"], figures["10"]
    assert (one["counts_requests"], ten["counts_requests"]) == (1, 1)  # the poll's tally: one write a batch
    assert 3 <= one["audience_requests"] == ten["audience_requests"] <= 5  # a write per audience tally, not per vote
    assert (ten["counts_wcu"] + ten["audience_wcu"]) / 10 < (one["counts_wcu"] + one["audience_wcu"]) / 1


def test_the_export_benchmark_reads_the_same_counts_back_from_both_formats(bench):
    figures = bench("exports").figures()
    assert figures["same_counts"] is True
    sizes = figures["bytes"]
    assert sizes["parquet"] < sizes["jsonl.gz"] < sizes["json"]  # both compress; Parquet's columns compress more
    assert all(ms > 0 for ms in figures["write_ms"].values())
