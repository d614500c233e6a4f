"""The fold on an in-memory ledger: every ballot change counted exactly once, however a batch is redelivered."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.core.counts import Counts
from chalicelib.core.ledger import Base, Tally, compaction, total
from chalicelib.services import fold, forensics, polls, snapshots, upkeep, votes
from tests.unit.memory import UNPROTECTED

OTHER_SHARD = "shardId-00000001700000099999-memory02"


def new(**fields):
    return polls.create({"question": "Build the bridge?", "options": ["Yes", "No"], **UNPROTECTED, **fields})


def cast(poll, count, start=0, option="yes"):
    for index in range(start, start + count):
        votes.cast(poll.id, {"options": [option], "voter": f"reader-{index:05d}"}, f"192.0.2.{index % 200}")


def counted(poll):
    """Return the poll's counts as its tallies hold them (what the fold applied)."""
    return upkeep.store().read_view(poll.id, consistent=True).counts


def test_a_batch_delivered_again_whole_is_applied_once(memory):
    poll = new()
    cast(poll, 5)
    event = memory.batch()
    assert fold.fold(event).applied == 5
    again = fold.fold(event)
    assert (again.applied, again.already) == (0, 5)
    assert counted(poll).voters == 5


def test_each_half_of_a_bisected_batch_is_applied_once_whichever_half_had_been_applied(memory):
    poll = new()
    cast(poll, 10)
    event = memory.batch()
    first, second = dict(event, Records=event["Records"][:5]), dict(event, Records=event["Records"][5:])
    fold.fold(first)
    fold.fold(event)  # the whole batch after its first half went in: only the second half is applied
    fold.fold(first)
    fold.fold(second)
    assert counted(poll).voters == 10


def test_a_batch_that_failed_between_two_polls_is_applied_once_for_each_when_redelivered(memory, monkeypatch):
    one, two = new(id="poll-one"), new(id="poll-two")
    cast(one, 3)
    cast(two, 4, start=100)
    event = memory.batch()
    original = fold.apply
    calls = {"n": 0}

    def crash_on_the_second_poll(lane, contributions, report):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the function's container died here")
        original(lane, contributions, report)

    monkeypatch.setattr(fold, "apply", crash_on_the_second_poll)
    with pytest.raises(RuntimeError):
        fold.fold(event)
    monkeypatch.setattr(fold, "apply", original)
    report = fold.fold(event)  # Lambda's retry
    assert (report.applied, report.already) == (4, 3)
    assert (counted(one).voters, counted(two).voters) == (3, 4)


def test_a_void_takes_its_ballots_votes_off_once(memory, folded):
    poll = new()
    cast(poll, 4)
    folded()
    source = forensics.report(poll.id)["sources"][0]["source"]
    answer = forensics.void(poll.id, {"source": source, "reason": "scripted"})
    assert answer["complete"] and answer["voided"] >= 1
    folded()
    assert counted(poll).voters == 4 - answer["voided"]
    assert forensics.void(poll.id, {"source": source, "reason": "again"})["voided"] == 0  # nothing more to void


def test_a_ttl_expiry_changes_no_count_but_a_ballot_deleted_by_hand_is_taken_off(memory, folded):
    poll = new()
    cast(poll, 3)
    folded()
    first, second = sorted(memory.ballots)[:2]
    memory.expire(first)
    folded()
    assert counted(poll).voters == 3
    memory.delete_ballot(second)
    folded()
    assert counted(poll).voters == 2


def test_a_batch_without_its_shard_is_refused_so_it_is_never_folded_into_a_wrong_tally(memory):
    poll = new()
    cast(poll, 1)
    event = memory.batch()
    del event["shardId"]
    with pytest.raises(ValueError, match="tumbling window"):
        fold.fold(event)
    assert counted(poll).voters == 0


def test_each_stream_shard_folds_into_a_tally_of_its_own(memory, folded):
    poll = new()
    cast(poll, 3)
    memory.shard = OTHER_SHARD  # the ballots' partition rolled over to a new stream shard
    cast(poll, 2, start=10)
    folded()
    view = memory.read_view(poll.id, consistent=True)
    assert sorted((t.shard, t.counts.voters) for t in view.tallies) == sorted(
        [("shardId-00000001700000000000-memory01", 3), (OTHER_SHARD, 2)]
    )
    assert counted(poll).voters == 5


def compact(poll, now):
    item = next(d for d in memory_due(poll))
    view = upkeep.store().read_view(poll.id, consistent=True)
    return upkeep.tend(item, view, now, upkeep.budget(5))


def memory_due(poll):
    return [d for d in upkeep.store().due_polls() if d.poll.id == poll.id]


def test_an_idle_shards_tally_is_sealed_into_the_base_then_dropped_then_forgotten_counts_exact_throughout(
    memory, folded, frozen
):
    poll = new()
    cast(poll, 3)
    folded()
    frozen["now"] += upkeep.COMPACT_IDLE_SECONDS + 1
    memory.shard = OTHER_SHARD
    cast(poll, 2, start=10)
    folded()  # the second shard's tally is fresh; the first's is idle
    steps = []
    for _ in range(4):
        done = compact(poll, int(frozen["now"]))
        view = memory.read_view(poll.id, consistent=True)
        steps.append((done.sealed, done.dropped, len(view.tallies), len(view.base.absorbed), counted(poll).voters))
        frozen["now"] += upkeep.FORGET_SECONDS + 1
    assert steps == [(1, 0, 2, 1, 5), (0, 1, 1, 1, 5), (0, 0, 1, 0, 5), (0, 0, 1, 0, 5)]


def test_late_records_of_a_sealed_shard_go_to_a_new_tally_and_a_redelivery_of_sealed_ones_is_not_applied(
    memory, frozen
):
    poll = new()
    cast(poll, 3)
    early = memory.batch()
    fold.fold(early)
    frozen["now"] += upkeep.COMPACT_IDLE_SECONDS + 1
    compact(poll, int(frozen["now"]))  # sealed
    compact(poll, int(frozen["now"]))  # dropped
    cast(poll, 2, start=10)
    late = memory.batch()
    fold.reset()  # a fresh container knows nothing of the sealed tally
    fold.fold(early)  # redelivered after its tally was sealed and dropped: nothing is applied twice
    fold.fold(late)
    fold.fold(late)
    assert counted(poll).voters == 5
    keys = [t.key for t in memory.read_view(poll.id, consistent=True).tallies]
    assert len(keys) == 1 and "@" in keys[0]  # the shard goes on past its marker


def test_a_read_between_any_two_compaction_steps_counts_each_tally_once():
    counts = Counts(votes={"yes": 3}, voters=3)
    live = Tally("a", "a", counts, "0009", at=0)
    sealed = replace(live, sealed=True)
    before = Base()
    absorbed = Base(counts=counts, absorbed={"a": "0009"})
    dropped = replace(absorbed, dropped={"a": 100})
    fresh = Tally("b", "b", Counts(votes={"yes": 1}, voters=1), "0002", at=0)
    readings = {
        "nothing done": total(before, [live, fresh]),
        "tally sealed, base not yet seen": total(before, [sealed, fresh]),
        "base absorbed, tally not yet seen sealed": total(absorbed, [live, fresh]),
        "both sealed": total(absorbed, [sealed, fresh]),
        "tally dropped": total(dropped, [fresh]),
        "forgotten": total(Base(counts=counts), [fresh]),
    }
    assert {name: found.voters for name, found in readings.items()} == dict.fromkeys(readings, 4)


def test_compaction_plans_seal_idle_tallies_drop_absorbed_ones_and_forget_late():
    counts = Counts(voters=1)
    idle, busy = Tally("a", "a", counts, "1", at=0), Tally("b", "b", counts, "1", at=950)
    plan = compaction(Base(), [idle, busy], now=1000, idle_seconds=600, forget_seconds=120)
    assert ([t.key for t in plan.seal], plan.drop, plan.forget) == (["a"], [], [])
    base = Base(counts=counts, absorbed={"a": "1"})
    plan = compaction(base, [replace(idle, sealed=True), busy], now=1000, idle_seconds=600, forget_seconds=120)
    assert ([t.key for t in plan.seal], [t.key for t in plan.drop], plan.forget) == ([], ["a"], [])
    base = replace(base, dropped={"a": 900})
    assert compaction(base, [busy], now=1000, idle_seconds=600, forget_seconds=120).forget == []
    assert compaction(base, [busy], now=1021, idle_seconds=600, forget_seconds=120).forget == ["a"]


def test_the_snapshot_job_keeps_a_closed_poll_due_until_its_tallies_are_compacted(memory, archive, folded, frozen):
    poll = new()
    cast(poll, 2)
    folded()
    polls.change(poll.id, {"status": "closed"})
    snapshots.run()
    assert memory_due(poll)  # its shard's tally is not idle yet
    for _ in range(4):
        frozen["now"] += upkeep.COMPACT_IDLE_SECONDS
        snapshots.run()
    assert memory_due(poll) == []
    view = memory.read_view(poll.id, consistent=True)
    assert (view.tallies, view.counts.voters) == ((), 2)
