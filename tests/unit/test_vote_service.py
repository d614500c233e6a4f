"""Casting votes on the in-memory store: one write each, counted once by the fold, refused for the right reason."""

from __future__ import annotations

import pytest

from chalicelib.core.errors import (
    AlreadyVoted,
    InvalidOption,
    InvalidVoter,
    IpLimitReached,
    PollClosed,
    PollNotFound,
    PollNotOpen,
    TryAgain,
)
from chalicelib.core.votes import Rejection, VoteRejected
from chalicelib.services import catalog, polls, votes
from chalicelib.store import adapters
from tests.unit.memory import UNPROTECTED


def new(**fields):
    return polls.create({"question": "Build the bridge?", "options": ["Yes", "No"], **UNPROTECTED, **fields})


def counted(poll_id):
    """Return the poll's counts as its tallies hold them (what the fold applied)."""
    return adapters.store().read_view(poll_id, consistent=True).counts


def test_a_vote_is_answered_with_the_folded_results_plus_itself_and_counted_once_folded(memory, folded):
    poll = new()
    body = votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, "192.0.2.1")
    assert body["results"]["total_voters"] == 1
    assert [o["votes"] for o in body["results"]["options"]] == [1, 0]
    assert counted(poll.id).voters == 0  # the fold has not run yet
    folded()
    assert (counted(poll.id).voters, counted(poll.id).votes) == (1, {"yes": 1})


def test_a_warm_vote_makes_one_store_call(memory):
    poll = new()
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    memory.calls.clear()
    votes.cast(poll.id, {"options": ["no"], "voter": "reader-0002"}, None)
    assert memory.calls == ["write_vote"]


def test_a_cold_vote_reads_the_poll_and_its_results_in_one_call_then_writes_once(memory):
    poll = new()
    catalog.reset()
    memory.calls.clear()
    votes.cast(poll.id, {"options": ["no"], "voter": "reader-0002"}, None)
    assert memory.calls == ["read_published", "write_vote"]


@pytest.mark.parametrize(
    ("fold_after", "voters_shown"),
    [
        (None, 1),  # not folded yet: the 409 shows the voter's earlier ballot on top of the published counts
        (0, 2),  # folded and published within the ballot's own second (never so fast in AWS): shown twice
        (2, 1),  # folded and published seconds later, as in AWS: the published counts hold it
    ],
)
def test_a_second_vote_of_the_same_voter_is_refused_with_results_holding_their_first_ballot_once(
    memory, folded, frozen, fold_after, voters_shown
):
    poll = new()
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    if fold_after is not None:
        frozen["now"] += fold_after
        folded()
    with pytest.raises(AlreadyVoted) as refused:
        votes.cast(poll.id, {"options": ["no"], "voter": "reader-0001"}, None)
    shown = refused.value.extra["results"]
    assert shown["total_voters"] == voters_shown
    assert {o["id"]: o["votes"] for o in shown["options"]}["no"] == 0  # never the refused vote
    folded()
    assert counted(poll.id).voters == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"options": ["maybe"], "voter": "reader-0001"}, InvalidOption),
        ({"options": ["yes", "no"], "voter": "reader-0001"}, InvalidOption),
        ({"options": ["yes"]}, InvalidVoter),
        ({"options": ["yes"], "voter": "short"}, InvalidVoter),
    ],
)
def test_bad_votes_are_refused_before_any_write(memory, body, error):
    poll = new()
    memory.calls.clear()
    with pytest.raises(error):
        votes.cast(poll.id, body, None)
    assert "write_vote" not in memory.calls
    assert memory.ballots == {}


@pytest.mark.parametrize(("status", "error"), [("closed", PollClosed), ("scheduled", PollNotOpen)])
def test_a_vote_outside_the_definitions_window_writes_nothing(memory, frozen, status, error):
    poll = new(closes_at="2027-01-31T00:00:00Z")
    frozen["now"] = poll.closes_at if status == "closed" else poll.opens_at - 1
    with pytest.raises(error):
        votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    assert memory.ballots == {}


def test_a_scheduled_close_is_exact_to_the_second(memory, frozen):
    poll = new(closes_at="2027-01-31T00:00:00Z")
    frozen["now"] = poll.closes_at - 1
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    frozen["now"] = poll.closes_at
    with pytest.raises(PollClosed):
        votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0002"}, None)
    assert len(memory.ballots) == 1


def test_an_editors_close_reaches_a_process_once_its_definition_is_a_second_old(memory, frozen, monkeypatch):
    import time

    clock = {"now": 1000.0}
    monkeypatch.setattr(time, "monotonic", lambda: clock["now"])
    poll = new()
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)  # this process has the poll, open
    polls.change(poll.id, {"status": "closed"})
    catalog.remember(poll)  # another process still holds the open definition ...
    clock["now"] += 1.0  # ... for at most POLL_CACHE_SECONDS
    with pytest.raises(PollClosed):
        votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0002"}, None)


def test_a_vote_for_a_deleted_poll_is_not_found(memory):
    poll = new()
    polls.delete(poll.id)
    with pytest.raises(PollNotFound):
        votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)


def test_block_none_counts_every_vote_each_under_a_ballot_of_its_own_request(memory, folded):
    poll = new(repeat_votes={"block": "none"})
    for _ in range(3):
        votes.cast(poll.id, {"options": ["yes"]}, None)
    folded()
    assert counted(poll.id).voters == 3
    assert all(key.startswith("r#") for key in memory.ballots)


def test_the_address_limit_refuses_votes_past_it_and_counts_none_of_them(memory, folded):
    poll = new(repeat_votes={"block": "voter_and_ip", "ip_limit": 2})
    for index in range(2):
        votes.cast(poll.id, {"options": ["yes"], "voter": f"reader-000{index}"}, "192.0.2.7")
    with pytest.raises(IpLimitReached):
        votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0009"}, "192.0.2.7")
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0010"}, "192.0.2.8")
    folded()
    assert counted(poll.id).voters == 3


@pytest.mark.parametrize("reason", [Rejection.CONFLICT, Rejection.BUSY, Rejection.IN_PROGRESS, Rejection.UNKNOWN])
def test_a_retryable_refusal_is_retried_with_the_very_same_write_and_counted_once(memory, folded, monkeypatch, reason):
    monkeypatch.setattr(votes, "_backoff", lambda attempt: None)
    writes = []
    original = memory.write_vote
    monkeypatch.setattr(memory, "write_vote", lambda vote: (writes.append(vote), original(vote))[1])
    poll = new()
    memory.faults = [VoteRejected(reason)]
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    assert len(writes) == 2 and writes[0] == writes[1]  # the same request id, so the same transaction token
    folded()
    assert counted(poll.id).voters == 1


def test_an_attempt_that_committed_before_its_answer_was_lost_is_recognised_as_the_requests_own(memory, folded):
    poll = new(repeat_votes={"block": "none"})
    original = memory.write_vote

    def committed_then_lost(vote):
        original(vote)
        memory.write_vote = original
        raise VoteRejected(Rejection.UNKNOWN)

    memory.write_vote = committed_then_lost
    votes.cast(poll.id, {"options": ["yes"]}, None)
    folded()
    assert counted(poll.id).voters == 1 and len(memory.ballots) == 1


def test_a_vote_that_keeps_conflicting_answers_try_again_and_writes_nothing(memory, monkeypatch):
    monkeypatch.setattr(votes, "_backoff", lambda attempt: None)
    poll = new()
    memory.faults = [VoteRejected(Rejection.CONFLICT) for _ in range(10)]
    with pytest.raises(TryAgain):
        votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    assert memory.ballots == {}
