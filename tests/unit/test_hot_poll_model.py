"""The hot-poll simulation's model (bench/hot_poll.py): plain function calls, no moto, no Chalice client."""

from __future__ import annotations

import math
import random
from collections import defaultdict

import pytest

from bench import hot_poll
from bench.hot_poll import HOLD, Hold, SimResult, meets_targets, reshard_needed, simulate

TINY_HOLD = Hold(median=0.000_001, p99=0.000_002)  # conflicts all but vanish: the write limit is what binds


def result(votes: int = 1000, attempts: int = 1000, peak_writes: int = 0, key_units: float = 2.0) -> SimResult:
    """A constructed run: only the fields the targets look at matter."""
    return SimResult(
        rate=1000.0,
        shards=10,
        seconds=1.0,
        key_units=key_units,
        votes=votes,
        accepted=votes,
        refused=0,
        attempts=attempts,
        conflicts=attempts - votes,
        throttles=0,
        peak_writes=peak_writes,
        added_p99=0.0,
    )


def attempts_by_vote(trace: hot_poll.Trace) -> dict[int, list[tuple[int, int, str]]]:
    """Each vote's attempts, in order: (attempt, shard, outcome)."""
    found: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for vote, attempt, shard, outcome in trace:
        found[vote].append((attempt, shard, outcome))
    for attempts in found.values():
        attempts.sort()
    return found


@pytest.mark.parametrize(
    ("rate", "shard_counts"),
    [
        (1_000, (400, 100, 25, 5)),
        (200, (40, 10, 3, 1)),
        (50, (20, 5, 2, 1)),
    ],
)
def test_conflicts_and_retries_rise_as_shards_fall_at_a_fixed_rate(rate: int, shard_counts: tuple[int, ...]) -> None:
    runs = [simulate(rate, shards, 20_000 / rate) for shards in shard_counts]
    conflicts = [run.conflict_fraction for run in runs]
    retries = [run.retries_per_vote for run in runs]
    assert conflicts == sorted(conflicts) and len(set(conflicts)) == len(conflicts)
    assert retries == sorted(retries)


@pytest.mark.parametrize("rate", [1_000, 5_000])
def test_one_shard_far_above_one_vote_per_hold_time_conflicts_on_most_attempts(rate: int) -> None:
    run = simulate(rate, 1, 2.0)
    assert rate * HOLD.mean > 10
    assert run.conflict_fraction > 0.8
    assert run.refused_fraction > 0.5
    assert run.accepted / run.votes < 2 / (rate * HOLD.mean)  # one item serves about one vote per hold time


@pytest.mark.parametrize("rate", [20, 50, 100])
def test_first_attempts_on_one_shard_conflict_as_the_loss_formula_says(rate: int) -> None:
    run = simulate(rate, 1, 20_000 / rate, attempts=1)
    load = rate * HOLD.mean
    assert run.conflict_fraction == pytest.approx(load / (1 + load), abs=0.015)


@pytest.mark.parametrize(("rate", "shards"), [(2_000, 2), (2_000, 5), (5_000, 50)])
def test_a_conflicted_vote_is_retried_on_another_shard(rate: int, shards: int) -> None:
    trace: hot_poll.Trace = []
    simulate(rate, shards, 1.0, trace=trace)
    followed = 0
    for attempts in attempts_by_vote(trace).values():
        for (_, shard, outcome), (_, next_shard, _) in zip(attempts, attempts[1:], strict=False):
            if outcome == "conflict":
                assert next_shard != shard
                followed += 1
    assert followed > 100


def test_a_throttled_vote_is_retried_on_another_shard() -> None:
    trace: hot_poll.Trace = []
    run = simulate(3_000, 2, 2.0, hold=TINY_HOLD, trace=trace)
    assert run.throttles > 100
    followed = 0
    for attempts in attempts_by_vote(trace).values():
        for (_, shard, outcome), (_, next_shard, _) in zip(attempts, attempts[1:], strict=False):
            if outcome == "throttle":
                assert next_shard != shard
                followed += 1
    assert followed > 100


@pytest.mark.parametrize(("rate", "shards"), [(800, 1), (3_000, 2), (20_000, 10)])
def test_a_shard_item_never_accepts_more_than_the_write_limit_in_any_second(rate: int, shards: int) -> None:
    seconds = 3.0
    run = simulate(rate, shards, seconds, hold=TINY_HOLD)
    per_second = hot_poll.PARTITION_WCU_LIMIT // run.key_units
    retried_until = seconds + sum(hot_poll.backoff_bound(a) for a in range(hot_poll.VOTE_ATTEMPTS))
    assert run.throttles > 0
    assert run.peak_shard_wcu == hot_poll.PARTITION_WCU_LIMIT  # full, never over
    assert run.accepted <= shards * per_second * math.ceil(retried_until)


@pytest.mark.parametrize(("rate", "shards"), [(2_000, 1), (20_000, 20)])
def test_a_vote_makes_at_most_the_attempt_limit_and_is_refused_only_after_all_of_them(rate: int, shards: int) -> None:
    trace: hot_poll.Trace = []
    run = simulate(rate, shards, 1.0, trace=trace)
    by_vote = attempts_by_vote(trace)
    refused = 0
    for attempts in by_vote.values():
        assert [a for a, _, _ in attempts] == list(range(len(attempts)))
        assert len(attempts) <= hot_poll.VOTE_ATTEMPTS
        if attempts[-1][2] != "ok":
            assert len(attempts) == hot_poll.VOTE_ATTEMPTS
            refused += 1
    assert len(by_vote) == run.votes and refused == run.refused > 0
    assert run.attempts == len(trace)


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        (1, 1, True),
        (1, 2, False),
        (hot_poll.SEED, hot_poll.SEED, True),
    ],
)
def test_the_simulation_is_deterministic_under_a_seed(first: int, second: int, same: bool) -> None:
    assert (simulate(5_000, 50, 0.5, seed=first) == simulate(5_000, 50, 0.5, seed=second)) is same


def test_the_simulation_leaves_the_global_random_generator_as_it_found_it() -> None:
    random.seed(7)
    expected = random.random()
    random.seed(7)
    simulate(1_000, 10, 0.5)
    assert random.random() == expected


@pytest.mark.parametrize(
    ("run", "meets"),
    [
        (result(), True),  # no retries, an idle shard
        (result(attempts=1099, peak_writes=249), True),  # 0.099 retries a vote, 498 WCU/s (49.8%)
        (result(attempts=1100), False),  # 0.1 retries a vote: the target is "under 0.1"
        (result(peak_writes=250), False),  # 500 WCU/s: exactly half the limit is not under it
        (result(peak_writes=500), False),  # at the limit
        (result(attempts=4000, peak_writes=10), False),  # every vote refused after four attempts
        (result(peak_writes=499, key_units=1.0), True),  # a key taking 1 WCU a vote: 49.9%
    ],
)
def test_the_target_check_needs_the_busiest_shard_under_half_the_limit_and_under_a_tenth_retry_a_vote(
    run: SimResult, meets: bool
) -> None:
    assert meets_targets(run) is meets


@pytest.mark.parametrize(
    ("failures", "shards", "double"),
    [
        (0, 1, False),
        (hot_poll.RESHARD_FAILURES_PER_SHARD_MINUTE, 1, False),
        (hot_poll.RESHARD_FAILURES_PER_SHARD_MINUTE + 1, 1, True),
        (hot_poll.RESHARD_FAILURES_PER_SHARD_MINUTE * 100, 100, False),
        (hot_poll.RESHARD_FAILURES_PER_SHARD_MINUTE * 100 + 1, 100, True),
        (hot_poll.RESHARD_FAILURES_PER_SHARD_MINUTE * 100 + 1, 200, False),
    ],
)
def test_a_poll_doubles_its_shards_only_above_the_per_shard_failure_threshold(
    failures: int, shards: int, double: bool
) -> None:
    assert reshard_needed(failures, shards) is double


def test_the_resharding_constants_are_what_the_simulation_derives() -> None:
    derived = hot_poll.derive_reshard_thresholds()
    assert math.floor(derived["trigger_failures_per_shard_minute"]) == hot_poll.RESHARD_FAILURES_PER_SHARD_MINUTE
    assert round(derived["target_failures_per_shard_minute"]) == hot_poll.TARGET_FAILURES_PER_SHARD_MINUTE
    assert derived["trigger_retries_per_vote"] < hot_poll.RETRY_TARGET * hot_poll.TRIGGER_FRACTION
    assert derived["trigger_votes_per_shard_second"] < derived["target_votes_per_shard_second"]


@pytest.mark.parametrize("rate", [300, 2_000])
def test_the_smallest_shard_count_meets_the_targets_and_one_fewer_does_not(rate: int) -> None:
    shards, run = hot_poll.smallest_shards(rate, 5.0)
    assert run.shards == shards and meets_targets(run)
    assert not meets_targets(simulate(rate, shards - 1, 5.0))


@pytest.mark.parametrize(
    ("attempt", "bound"),
    [(0, 0.02), (1, 0.04), (3, 0.16), (4, 0.32), (5, 0.5), (9, 0.5)],
)
def test_the_backoff_bound_doubles_from_20_ms_up_to_half_a_second(attempt: int, bound: float) -> None:
    assert hot_poll.backoff_bound(attempt) == pytest.approx(bound)


@pytest.mark.parametrize(("median", "p99"), [(0.010, 0.030), (0.001, 0.003), (0.005, 0.005)])
def test_the_hold_time_distribution_has_the_stated_median_and_p99(median: float, p99: float) -> None:
    hold = Hold(median, p99)
    assert hold.median * math.exp(hot_poll.Z99 * hold.sigma) == pytest.approx(p99)
    rng = random.Random(3)
    draws = sorted(rng.lognormvariate(math.log(median), hold.sigma) for _ in range(20_000))
    assert draws[10_000] == pytest.approx(median, rel=0.05)
    assert draws[19_800] == pytest.approx(p99, rel=0.1)
