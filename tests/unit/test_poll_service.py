"""Polls, recounts and snapshots on the in-memory store."""

from __future__ import annotations

import json

import pytest

from chalicelib.core.counts import Counts
from chalicelib.core.errors import InvalidParameter, InvalidPoll, PollHasVotes, PollOpen, RecountTooSoon
from chalicelib.services import polls, recount, retention, snapshots, votes, write_ins
from tests.unit.conftest import fold_all
from tests.unit.memory import UNPROTECTED


def new(**fields):
    return polls.create({"question": "Build the bridge?", "options": ["Yes", "No"], **UNPROTECTED, **fields})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question": "Q?", "options": ["Only one"]}, "options"),
        ({"question": "", "options": ["A", "B"]}, "question"),
        ({"question": "Q?", "options": ["A", "B"], "shards": 10}, "shards"),  # gone with the shared counters
        ({"question": "Q?", "options": ["A", "B"], "repeat_votes": {"block": "cookie"}}, "repeat_votes.block"),
        ({"question": "Q?", "options": ["A", "B"], "results_visibility": ["always"]}, "results_visibility"),
        ({"question": "Q?", "options": ["A", "B"], "colour": "red"}, "colour"),
    ],
)
def test_invalid_definitions_name_the_field_and_store_nothing(memory, body, field):
    with pytest.raises(InvalidPoll) as refused:
        polls.create(body)
    assert refused.value.extra["field"] == field
    assert memory.polls == {}


def test_options_cannot_change_once_the_poll_has_votes(memory, folded):
    poll = new()
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    folded()
    with pytest.raises(PollHasVotes):
        polls.change(poll.id, {"options": ["Up", "Down"]})
    assert [o.label for o in memory.polls[poll.id].options] == ["Yes", "No"]


@pytest.mark.parametrize(("status", "limit", "cursor"), [("done", None, None), (None, "0", None), (None, None, "!!")])
def test_bad_list_parameters_are_refused(memory, status, limit, cursor):
    with pytest.raises(InvalidParameter):
        polls.list_page(status, limit, cursor)


def test_listing_pages_through_every_poll_once(memory):
    ids = {new(id=f"poll-{n:02d}").id for n in range(5)}
    seen, cursor = [], None
    while True:
        page = polls.list_page(None, "2", cursor)
        seen += [p["id"] for p in page["polls"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)


def test_recount_finds_drift_and_repairs_it_once_the_poll_has_been_closed_long_enough(memory, folded, frozen):
    poll = new()
    for n in range(4):
        votes.cast(poll.id, {"options": ["yes"], "voter": f"reader-000{n}"}, None)
    folded()
    view = memory.read_view(poll.id, consistent=True)
    memory.correct_base(view, Counts(votes={"yes": 5}, voters=5))  # drift: the tallies say 9
    with pytest.raises(PollOpen):
        recount.recount(poll.id, fix=True)
    assert recount.recount(poll.id)["drift"]["total_voters"] == 5
    polls.change(poll.id, {"status": "closed"})
    with pytest.raises(RecountTooSoon) as early:
        recount.recount(poll.id, fix=True)  # the index and the fold may still be behind the last votes
    assert int(early.value.headers["Retry-After"]) == recount.RECOUNT_SETTLE_SECONDS
    frozen["now"] += recount.RECOUNT_SETTLE_SECONDS
    fixed = recount.recount(poll.id, fix=True)
    assert (fixed["fixed"], fixed["tallies"]["total_voters"], fixed["ballots"]["total_voters"]) == (True, 9, 4)
    assert recount.recount(poll.id)["drift"] == {"total_voters": 0, "options": {"yes": 0, "no": 0}}


def test_recount_skips_voided_ballots_even_where_the_index_has_not_caught_up(memory, folded):
    poll = new()
    for n in range(3):
        votes.cast(poll.id, {"options": ["no"], "voter": f"reader-000{n}"}, None)
    folded()
    key = sorted(memory.ballots)[0]
    memory.void_ballot(key, "v1", 0)
    folded()
    report = recount.recount(poll.id)
    assert (report["ballots"]["total_voters"], report["tallies"]["total_voters"], report["drift"]["total_voters"]) == (
        2,
        2,
        0,
    )


def test_polls_that_count_repeats_can_be_recounted_too(memory, folded):
    poll = new(repeat_votes={"block": "none"})
    for _ in range(3):
        votes.cast(poll.id, {"options": ["yes"]}, None)
    folded()
    assert recount.recount(poll.id)["ballots"]["total_voters"] == 3


def test_extending_a_poll_keeps_its_ballots_until_retention_after_the_new_close(memory, frozen, folded):
    poll = new(closes_at="2027-02-01T00:00:00Z")
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    first = next(iter(memory.ballots.values()))
    assert first["expires_at"] == poll.closes_at + retention.DAY * 30
    extended = polls.change(poll.id, {"closes_at": "2027-06-01T00:00:00Z"})
    assert extended.keep_until == extended.closes_at + retention.DAY * 30
    snapshots.run()  # the upkeep walks the by-poll index and keeps every ballot longer
    assert next(iter(memory.ballots.values()))["expires_at"] == extended.keep_until
    votes.cast(poll.id, {"options": ["no"], "voter": "reader-0002"}, None)
    assert {b["expires_at"] for b in memory.ballots.values()} == {extended.keep_until}
    due = [d for d in memory.due_polls() if d.poll.id == poll.id][0]
    assert (due.kept_until, due.keep_cursor) == (extended.keep_until, None)


def test_reopening_a_closed_poll_keeps_its_ballots_while_it_is_open_again(memory, frozen):
    poll = new(closes_at="2027-02-01T00:00:00Z")
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    frozen["now"] = poll.closes_at + retention.DAY * 20  # closed 20 days ago: its ballots have 10 days left
    reopened = polls.change(poll.id, {"status": "open"})
    snapshots.run()
    kept = next(iter(memory.ballots.values()))["expires_at"]
    assert kept == reopened.keep_until >= frozen["now"] + retention.DAY * 30


def test_a_snapshot_run_writes_changed_polls_once_and_skips_them_after(memory, archive, folded):
    poll = new()
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    folded()
    first = snapshots.run()
    assert (first.written, first.skipped, first.failed) == (1, 0, 0)
    latest = json.loads(archive.objects[f"results/{poll.id}/latest.json"][0])
    assert latest["total_voters"] == 1
    second = snapshots.run()
    assert (second.written, second.skipped) == (0, 1)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda poll_id, answer_id: write_ins.decide(poll_id, answer_id, {"action": "merge", "into": "yes"}),
            id="a write-in merged into an option",
        ),
        pytest.param(
            lambda poll_id, answer_id: polls.change(poll_id, {"disclaimer": "Readers chose to answer."}),
            id="the CSV's disclaimer",
        ),
    ],
)
def test_a_change_that_moves_no_count_of_voters_is_still_snapshotted(memory, archive, folded, change):
    poll = new(write_in=True)
    votes.cast(poll.id, {"options": [], "other": "Ferry", "voter": "reader-0001"}, None)
    folded()
    assert snapshots.run().written == 1
    [answer] = write_ins.queue(poll.id)["answers"]
    change(poll.id, answer["id"])
    again = snapshots.run()
    assert (again.written, again.skipped) == (1, 0)
    assert snapshots.run().written == 0  # and once written, unchanged again


def test_hidden_results_are_snapshotted_under_the_private_prefix_only(memory, archive):
    poll = new(results_visibility="never")
    snapshots.run()
    assert all(not key.startswith("results/") for key in archive.objects)
    assert archive.objects[f"private/results/{poll.id}/latest.json"][2] == "private, no-store"


def test_a_failing_archive_is_reported_and_the_poll_stays_due(memory, archive):
    new()
    archive.broken = True
    report = snapshots.run()
    assert (report.written, report.failed) == (0, 1)
    archive.broken = False
    assert snapshots.run().written == 1


def _snapshot_age(capsys) -> float:
    for line in capsys.readouterr().out.splitlines():
        if '"SnapshotAgeSeconds"' in line:
            return float(json.loads(line)["SnapshotAgeSeconds"][0])
    raise AssertionError("no SnapshotAgeSeconds metric")


def test_snapshot_age_is_zero_while_every_poll_is_written_or_unchanged(memory, archive, capsys, frozen):
    new()
    snapshots.run()
    frozen["now"] += 3600  # an hour with no votes: the snapshot is old but not stale
    snapshots.run()
    assert _snapshot_age(capsys) == 0


def test_snapshot_age_measures_how_far_behind_a_failing_poll_is(memory, archive, capsys, frozen):
    poll = new()
    snapshots.run()
    capsys.readouterr()
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    fold_all(memory)
    frozen["now"] += 600
    archive.broken = True
    snapshots.run()
    assert _snapshot_age(capsys) == 600
