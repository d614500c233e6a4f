"""Every benchmark runs with tiny sizes and its figures make sense (the full run is `make bench`)."""

from __future__ import annotations

import pytest

from bench import cold_start, hot_poll, overhead, package_size, request_costs, run, snapshot_scale, stuffing, widget

NO_DEDUPE = "UpdateItem ADD, no dedupe"
READ_THEN_WRITE = "GetItem + PutItem + UpdateItem"
OURS = "ours (block=voter)"
LOST_AFTER_LAST = "lost storage response (InternalServerError) after the last write, retried"
LOST_AFTER_FIRST = "lost storage response (ReadTimeoutError) after the first write, retried"
CONCURRENT = "two concurrent requests by one voter"


@pytest.fixture(scope="module")
def costs():
    return request_costs.run(quick=True)


@pytest.fixture(scope="module")
def snapshot_figures():
    return snapshot_scale.run(quick=True)[0].data


def test_a_warm_vote_in_each_blocking_mode_is_one_request(costs):
    ours = costs[0].data
    for block in ("voter", "voter_and_ip", "none"):
        assert ours[f"warm vote ({block})"]["operations"] == ["TransactWriteItems"]
    assert ours["warm vote (voter)"]["wcu"] == 4  # two items, transactional, each under 1 KB
    assert ours["results read, cold"]["operations"] == ["BatchGetItem"]
    assert ours["results read, within the cache window"]["requests"] == 0


def test_the_no_dedupe_baseline_double_counts_a_retried_vote_and_ours_does_not(costs):
    counts = costs[1].data["counts"]
    assert counts[(NO_DEDUPE, LOST_AFTER_LAST)] == 2
    assert counts[(OURS, LOST_AFTER_LAST)] == 1


def test_read_then_write_loses_a_vote_after_a_lost_ballot_write_and_double_counts_concurrent_requests(costs):
    counts = costs[1].data["counts"]
    assert counts[(READ_THEN_WRITE, LOST_AFTER_FIRST)] == 0
    assert counts[(READ_THEN_WRITE, CONCURRENT)] == 2
    assert counts[(OURS, CONCURRENT)] == 1
    assert counts[(OURS, LOST_AFTER_FIRST)] == 1


def test_the_snapshot_writes_of_a_run_follow_the_changed_polls(snapshot_figures):
    everything, changed = list(snapshot_figures.values())[-2:]
    polls, moved = everything["written"], changed["written"]
    assert moved < polls
    assert everything["s3_puts"] == 3 * polls + 1 and changed["s3_puts"] == 3 * moved + 1
    assert changed["operations"]["UpdateItem"] == moved
    assert changed["operations"]["BatchGetItem"] == everything["operations"]["BatchGetItem"]  # reads follow active


def test_the_hot_poll_shard_recommendation_grows_with_the_rate():
    recommended = hot_poll.run(quick=True)[0].data["recommendations"]
    rates = sorted(recommended)
    assert [recommended[r] for r in rates] == sorted(recommended[r] for r in rates)
    assert recommended[rates[0]] < recommended[rates[-1]]


def test_the_handler_overhead_is_measured_against_the_bare_calls():
    figures = overhead.run(quick=True)[0].data
    assert all(f["ratio"] > 0 for f in figures.values())
    assert figures["results read (within cache window) vs bare BatchGetItem"]["ratio"] < 1


def test_a_fresh_process_imports_the_app_and_answers_its_first_vote():
    figures = cold_start.run(quick=True)[0].data
    assert figures["runs"] == cold_start.QUICK_RUNS
    assert figures["ratio"] > 1  # the app imports the deps and more, then votes


def test_the_package_benchmark_measures_the_small_package_or_says_it_is_missing():
    figures = package_size.run(quick=True)[0].data
    if figures["small"] is None:
        assert figures["how"].startswith("not available")
    else:
        assert 0 < figures["small"]["zip_bytes"] < 1024 * 1024


def test_the_widget_benchmark_reports_a_gzipped_size_or_not_available():
    figures = widget.run(quick=True)[0].data
    if figures["available"]:
        assert 0 < figures["gzipped"] < figures["bytes"]


def test_benchmarks_md_names_the_command_date_and_machine(tmp_path, costs):
    target = tmp_path / "BENCHMARKS.md"
    run.write_markdown(costs, 1.0, [], path=target)
    text = target.read_text()
    assert "Command:" in text and "cores" in text and "Python" in text
    assert "| warm vote (voter) | 1 | TransactWriteItems |" in text


def test_the_stuffing_drill_bounds_one_address_and_counts_no_replayed_proof():
    figures = stuffing.run(quick=True)[0].data
    cases = figures["cases"]
    assert cases["address limit only, one address"]["refused"] > 0  # the window binds within the run
    assert cases["default (proof of work + address limit), one address"]["per_hour_per_address"] <= 400
    assert cases["no protection, one address"]["cpu_per_vote"] < cases["default, 64 addresses"]["cpu_per_vote"]
    assert (figures["replays"]["replayed"], figures["replays"]["cross-poll"]) == (0, 0)
    assert figures["office"]["refused"] == 0


def test_the_edge_benchmark_sees_votes_reach_the_document_and_readers_cost_less_through_the_site():
    from bench import edge

    figures = edge.run(quick=True)[0].data
    assert figures["accepted"] > 0 and figures["shown"] == figures["accepted"]  # every vote reached the document
    assert 0 < figures["p50"] <= figures["max"]
    assert figures["edge_api_per_1000"] < figures["direct_api_per_1000"] and figures["edge"] < figures["direct"]
