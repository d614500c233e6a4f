"""Casting votes on the in-memory store: counted once, refused for the right reason, nothing written on refusal."""

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
from tests.unit.memory import UNPROTECTED


def new(memory, **fields):
    body = {"question": "Build the bridge?", "options": ["Yes", "No"], "shards": 3, **UNPROTECTED, **fields}
    return polls.create(body)


def total(memory, poll_id):
    return sum(shard.counts.voters for (pid, _), shard in memory.shards.items() if pid == poll_id)


def test_a_vote_is_counted_once_and_answered_with_results(memory):
    poll = new(memory)
    body = votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, "192.0.2.1")
    assert body["results"]["total_voters"] == 1
    assert [o["votes"] for o in body["results"]["options"]] == [1, 0]
    assert total(memory, poll.id) == 1


def test_a_warm_vote_makes_one_store_call(memory):
    poll = new(memory)
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    memory.calls.clear()
    votes.cast(poll.id, {"options": ["no"], "voter": "reader-0002"}, None)
    assert memory.calls == ["write_vote"]


def test_a_second_vote_of_the_same_voter_is_refused_and_not_counted(memory):
    poll = new(memory)
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    with pytest.raises(AlreadyVoted) as refused:
        votes.cast(poll.id, {"options": ["no"], "voter": "reader-0001"}, None)
    assert refused.value.extra["results"]["total_voters"] == 1
    assert total(memory, poll.id) == 1


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
    poll = new(memory)
    memory.calls.clear()
    with pytest.raises(error):
        votes.cast(poll.id, body, None)
    assert "write_vote" not in memory.calls
    assert total(memory, poll.id) == 0


@pytest.mark.parametrize(
    ("change", "error"), [({"closed": True}, PollClosed), ({"opens_at": 4_000_000_000}, PollNotOpen)]
)
def test_a_stale_definition_cannot_count_a_vote_outside_the_window(memory, change, error):
    poll = new(memory)
    catalog.poll(poll.id)  # cached as open
    memory.set_window(poll.id, **change)  # another process closed or rescheduled it
    with pytest.raises(error):
        votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    assert total(memory, poll.id) == 0


def test_a_stale_definition_of_a_recreated_poll_is_refreshed_and_counted_once(memory):
    poll = new(memory, id="recreated")
    stale = catalog.poll(poll.id)
    polls.delete(poll.id)
    new(memory, id="recreated", shards=1)
    catalog.remember(poll.id, stale)
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    assert total(memory, poll.id) == 1


def test_a_vote_for_a_deleted_poll_is_not_found(memory):
    poll = new(memory)
    polls.delete(poll.id)
    with pytest.raises(PollNotFound):
        votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)


def test_block_none_counts_repeats_without_ballots(memory):
    poll = new(memory, repeat_votes={"block": "none"})
    for _ in range(3):
        votes.cast(poll.id, {"options": ["yes"]}, None)
    assert (total(memory, poll.id), memory.ballots) == (3, {})


def test_the_address_limit_refuses_votes_past_it_and_counts_none_of_them(memory):
    poll = new(memory, repeat_votes={"block": "voter_and_ip", "ip_limit": 2})
    for index in range(2):
        votes.cast(poll.id, {"options": ["yes"], "voter": f"reader-000{index}"}, "192.0.2.7")
    with pytest.raises(IpLimitReached):
        votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0009"}, "192.0.2.7")
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0010"}, "192.0.2.8")
    assert total(memory, poll.id) == 3


@pytest.mark.parametrize("reason", [Rejection.CONFLICT, Rejection.BUSY])
def test_a_conflict_or_throttle_is_retried_on_another_shard_and_counted_once(memory, monkeypatch, reason):
    monkeypatch.setattr(votes, "_backoff", lambda attempt: None)
    poll = new(memory)
    memory.faults = [VoteRejected(reason)]
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    assert memory.calls.count("write_vote") == 2
    assert total(memory, poll.id) == 1


def test_a_vote_that_keeps_conflicting_answers_try_again_and_counts_nothing(memory, monkeypatch):
    monkeypatch.setattr(votes, "_backoff", lambda attempt: None)
    poll = new(memory)
    memory.faults = [VoteRejected(Rejection.CONFLICT) for _ in range(10)]
    with pytest.raises(TryAgain):
        votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    assert total(memory, poll.id) == 0


def test_an_unknown_outcome_without_a_ballot_is_left_to_the_caller(memory):
    poll = new(memory, repeat_votes={"block": "none"})
    memory.faults = [VoteRejected(Rejection.UNKNOWN)]
    with pytest.raises(TryAgain):
        votes.cast(poll.id, {"options": ["yes"]}, None)
    assert memory.calls.count("write_vote") == 1
