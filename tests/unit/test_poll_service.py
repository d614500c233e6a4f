"""Polls, recounts and snapshots on the in-memory store."""

from __future__ import annotations

import json

import pytest

from chalicelib.core.errors import InvalidParameter, InvalidPoll, PollHasVotes, PollOpen, RecountUnavailable
from chalicelib.services import polls, recount, snapshots, votes
from tests.unit.memory import UNPROTECTED


def new(**fields):
    return polls.create({"question": "Build the bridge?", "options": ["Yes", "No"], **UNPROTECTED, **fields})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question": "Q?", "options": ["Only one"]}, "options"),
        ({"question": "", "options": ["A", "B"]}, "question"),
        ({"question": "Q?", "options": ["A", "B"], "shards": 0}, "shards"),
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


def test_options_cannot_change_once_the_poll_has_votes(memory):
    poll = new()
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
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


def test_recount_finds_drift_and_repairs_it_on_a_closed_poll(memory):
    poll = new(shards=2)
    for n in range(4):
        votes.cast(poll.id, {"options": ["yes"], "voter": f"reader-000{n}"}, None)
    memory.shards[(poll.id, 0)].counts.votes["yes"] += 5  # drift
    memory.shards[(poll.id, 0)].counts.voters += 5
    with pytest.raises(PollOpen):
        recount.recount(poll.id, fix=True)
    assert recount.recount(poll.id)["drift"]["total_voters"] == 5
    polls.change(poll.id, {"status": "closed"})
    assert recount.recount(poll.id, fix=True)["fixed_shards"] == [0]
    assert recount.recount(poll.id)["drift"] == {"total_voters": 0, "options": {"yes": 0, "no": 0}}


def test_recount_is_unavailable_where_no_ballots_are_kept(memory):
    poll = new(repeat_votes={"block": "none"})
    with pytest.raises(RecountUnavailable):
        recount.recount(poll.id)


def test_a_snapshot_run_writes_changed_polls_once_and_skips_them_after(memory, archive):
    poll = new()
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    first = snapshots.run()
    assert (first.written, first.skipped, first.failed) == (1, 0, 0)
    latest = json.loads(archive.objects[f"results/{poll.id}/latest.json"][0])
    assert latest["total_voters"] == 1
    second = snapshots.run()
    assert (second.written, second.skipped) == (0, 1)


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
    frozen["now"] += 600
    archive.broken = True
    snapshots.run()
    assert _snapshot_age(capsys) == 600
