"""Live resharding on the in-memory store: raises in steps, never shrinks, survives races, fires once a window."""

from __future__ import annotations

import pytest

from chalicelib.core.errors import InvalidPoll, PollClosed, ShardsCannotShrink
from chalicelib.core.votes import Rejection, VoteRejected
from chalicelib.runtime.settings import AUTO_RESHARD_CONFLICT_SHARE
from chalicelib.services import catalog, polls, recount, resharding, results, snapshots, votes
from chalicelib.store.port import StaleDefinition
from tests.unit.memory import UNPROTECTED


def new(**fields):
    return polls.create(
        {"question": "Build the bridge?", "options": ["Yes", "No"], "shards": 2, **UNPROTECTED, **fields}
    )


def shard_numbers(memory, poll_id):
    return sorted(n for pid, n in memory.shards if pid == poll_id)


@pytest.mark.parametrize(("target", "steps"), [(3, 1), (101, 1), (102, 2), (1000, 11)])
def test_raising_creates_every_new_shard_in_steps_of_at_most_99(memory, target, steps):
    poll = new()
    memory.calls.clear()
    raised = polls.change(poll.id, {"shards": target})
    assert raised.shards == target == memory.polls[poll.id].shards
    assert shard_numbers(memory, poll.id) == list(range(target))
    assert memory.calls.count("add_shards") == steps


@pytest.mark.parametrize(("shards", "error"), [(1, ShardsCannotShrink), (0, InvalidPoll), (1001, InvalidPoll)])
def test_the_shard_count_only_rises_within_its_bounds(memory, shards, error):
    poll = new()
    with pytest.raises(error):
        polls.change(poll.id, {"shards": shards})
    assert memory.polls[poll.id].shards == 2


def test_votes_before_and_after_a_raise_are_all_counted_once_by_results_recount_and_snapshots(memory, archive):
    poll = new()
    for n in range(6):
        votes.cast(poll.id, {"options": ["yes"], "voter": f"early-{n:04d}"}, None)
    polls.change(poll.id, {"shards": 8})
    for n in range(30):
        votes.cast(poll.id, {"options": ["no"], "voter": f"later-{n:04d}"}, None)
    catalog.reset()
    assert results.current(poll.id).counts.voters == 36
    assert recount.recount(poll.id)["drift"]["total_voters"] == 0
    assert any(memory.shards[(poll.id, n)].counts.voters for n in range(2, 8))  # the new shards took votes
    snapshots.run()
    assert b'"total_voters":36' in archive.objects[f"results/{poll.id}/latest.json"][0]


def test_a_process_with_the_old_definition_keeps_counting_in_the_old_shards(memory):
    poll = new()
    stale = catalog.poll(poll.id)
    polls.change(poll.id, {"shards": 20})
    for n in range(10):
        catalog.remember(poll.id, stale)  # (a results read refreshes the definition: keep it stale)
        votes.cast(poll.id, {"options": ["yes"], "voter": f"stale-{n:04d}"}, None)
    assert sum(memory.shards[(poll.id, n)].counts.voters for n in range(2)) == 10
    catalog.reset()
    assert results.current(poll.id).counts.voters == 10


def test_a_raise_that_lost_a_race_goes_on_from_what_is_stored(memory):
    poll = new()
    stale = catalog.poll(poll.id)
    polls.change(poll.id, {"shards": 6})  # another editor won
    raised = resharding.raise_shards(stale, 4)  # a no-op: 6 already
    assert (raised.shards, shard_numbers(memory, poll.id)) == (6, list(range(6)))
    again = resharding.raise_shards(stale, 9)
    assert (again.shards, shard_numbers(memory, poll.id)) == (9, list(range(9)))


def test_a_close_racing_a_raise_leaves_no_open_shard(memory):
    poll = new()
    stale = catalog.poll(poll.id)
    polls.change(poll.id, {"status": "closed"})
    resharding.raise_shards(stale, 5)  # the step with the open window is stale; redone on the closed poll
    assert all(memory.shards[(poll.id, n)].window.closed for n in range(5))
    with pytest.raises(PollClosed):
        votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)


def test_a_close_that_read_fewer_shards_is_redone_on_every_shard(memory, monkeypatch):
    poll = new()
    original = memory.replace_poll
    raced = {"done": False}

    def raise_first(old, new, reset_counts):
        if not raced["done"]:
            raced["done"] = True
            resharding.raise_shards(old, 4)  # an automatic raise lands between the read and the write
        return original(old, new, reset_counts)

    monkeypatch.setattr(memory, "replace_poll", raise_first)
    polls.change(poll.id, {"status": "closed"})
    assert [memory.shards[(poll.id, n)].window.closed for n in range(4)] == [True] * 4


def cast_many(memory, poll_id, prefix, clean, contended):
    """Cast clean votes, then votes whose first attempt meets a conflict (two attempts each)."""
    for n in range(clean):
        votes.cast(poll_id, {"options": ["yes"], "voter": f"{prefix}-clean-{n:04d}"}, None)
    for n in range(contended):
        memory.faults = [VoteRejected(Rejection.CONFLICT)]
        votes.cast(poll_id, {"options": ["yes"], "voter": f"{prefix}-busy-{n:04d}"}, None)


def test_a_contended_share_past_the_threshold_doubles_the_shards_once_per_window(memory, frozen, monkeypatch):
    monkeypatch.setattr(votes, "_backoff", lambda attempt: None)
    poll = new()
    cast_many(memory, poll.id, "first", clean=90, contended=10)  # 6 of 101 attempts contended: over 5%
    assert memory.polls[poll.id].shards == 4
    resharding.reset()  # a second process counts from zero in the same window
    cast_many(memory, poll.id, "second", clean=90, contended=10)
    assert memory.polls[poll.id].shards == 4  # the window was claimed already
    frozen["now"] += 60
    cast_many(memory, poll.id, "third", clean=90, contended=10)
    assert memory.polls[poll.id].shards == 8
    assert sum(s.counts.voters for (pid, _), s in memory.shards.items() if pid == poll.id) == 300


@pytest.mark.parametrize(("clean", "contended"), [(200, 5), (30, 30)])
def test_contention_under_the_share_or_over_too_few_attempts_changes_nothing(memory, monkeypatch, clean, contended):
    monkeypatch.setattr(votes, "_backoff", lambda attempt: None)
    poll = new()
    cast_many(memory, poll.id, "busy", clean=clean, contended=contended)
    assert memory.polls[poll.id].shards == 2 and "claim_reshard" not in memory.calls


def test_the_trigger_constants_are_the_models(memory):
    from bench import hot_poll

    assert AUTO_RESHARD_CONFLICT_SHARE == hot_poll.RETRY_TARGET * hot_poll.TRIGGER_FRACTION


def test_a_stale_step_is_refused_by_the_store(memory):
    poll = new()
    polls.change(poll.id, {"status": "closed"})
    with pytest.raises(StaleDefinition):
        memory.add_shards(poll, 3)
