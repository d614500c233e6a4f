"""Results on the in-memory store: cached about a second, forgotten in one call, shown as visibility allows."""

from __future__ import annotations

import pytest

from chalicelib.core.errors import InvalidVoter, ResultsHidden
from chalicelib.services import catalog, polls, results, votes
from tests.unit.memory import UNPROTECTED


def new(**fields):
    return polls.create({"question": "Build the bridge?", "options": ["Yes", "No"], **UNPROTECTED, **fields})


def test_a_cold_read_is_one_store_call_and_a_warm_one_none(memory):
    poll = new()
    catalog.reset()
    memory.calls.clear()
    results.current(poll.id)
    assert memory.calls == ["read_published"]
    results.current(poll.id)
    assert memory.calls == ["read_published"]


def test_the_definition_and_results_are_read_again_once_a_second_old(memory, monkeypatch):
    import time

    clock = {"now": 1000.0}
    monkeypatch.setattr(time, "monotonic", lambda: clock["now"])
    poll = new()
    catalog.reset()
    results.current(poll.id)
    memory.calls.clear()
    clock["now"] += 0.9
    results.current(poll.id)
    assert memory.calls == []
    clock["now"] += 0.1
    results.current(poll.id)
    assert memory.calls == ["read_published"]


def test_results_are_the_publishers_sum_as_of_its_read(memory, folded, frozen):
    poll = new()
    votes.cast(poll.id, {"options": ["yes"], "voter": "reader-0001"}, None)
    folded()
    tally = results.current(poll.id)
    assert (tally.counts.voters, tally.as_of) == (1, frozen["now"])


def test_forgetting_a_poll_drops_its_definition_and_its_tallies(memory):
    poll = new()
    results.current(poll.id)
    catalog.forget(poll.id)
    memory.calls.clear()
    results.current(poll.id)
    assert memory.calls == ["read_published"]


def test_the_voters_own_vote_is_added_to_a_copy_never_to_the_cached_tally(memory):
    poll = new()
    results.current(poll.id)
    for index in range(3):
        body = votes.cast(poll.id, {"options": ["no"], "voter": f"reader-000{index}"}, None)
        assert body["results"]["total_voters"] == 1  # the folded tally (0, the fold has not run) and this vote
    assert results.current(poll.id).counts.voters == 0


def test_concurrent_threads_reading_and_refreshing_the_cache_never_lose_or_double_a_vote(memory, folded):
    from concurrent.futures import ThreadPoolExecutor

    poll = new()
    for index in range(40):
        votes.cast(poll.id, {"options": ["yes"], "voter": f"reader-{index:04d}"}, None)
    folded()

    def read_and_vote(index: int) -> tuple[int, int]:
        if index % 3 == 0:
            catalog.forget(poll.id)  # another thread's refresh
        seen = results.current(poll.id).counts.voters
        answer = votes.cast(poll.id, {"options": ["no"], "voter": f"other-{index:04d}"}, None)
        return seen, answer["results"]["total_voters"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(read_and_vote, range(64)))
    assert all(seen == 40 and shown == 41 for seen, shown in answers)
    folded()
    assert results.current(poll.id).counts.voters == 104


@pytest.mark.parametrize(
    ("mode", "voter", "voted", "outcome"),
    [
        ("always", None, False, "shared"),
        ("always", "reader-0001", False, "private"),
        ("after_vote", None, False, "hidden"),
        ("after_vote", "reader-0001", False, "hidden"),
        ("after_vote", "reader-0001", True, "private"),
        ("after_close", "reader-0001", True, "hidden"),
        ("never", "reader-0001", True, "hidden"),
    ],
)
def test_readers_see_results_as_the_visibility_rule_allows(memory, mode, voter, voted, outcome):
    poll = new(results_visibility=mode)
    if voted:
        votes.cast(poll.id, {"options": ["yes"], "voter": voter}, None)
    if outcome == "hidden":
        with pytest.raises(ResultsHidden):
            results.for_reader(poll.id, voter, is_admin=False)
    else:
        found = results.for_reader(poll.id, voter, is_admin=False)
        assert found.shareable is (outcome == "shared")


def test_editors_see_hidden_results_never_shared(memory):
    poll = new(results_visibility="never")
    found = results.for_reader(poll.id, None, is_admin=True)
    assert (found.document["total_voters"], found.shareable) == (0, False)


def test_a_malformed_voter_token_is_refused_where_the_ballot_decides(memory):
    poll = new(results_visibility="after_vote")
    with pytest.raises(InvalidVoter):
        results.for_reader(poll.id, "no", is_admin=False)


@pytest.mark.parametrize("mode", ["always", "after_vote"])
def test_a_voters_own_results_hold_their_ballot_until_the_published_counts_do(memory, folded, frozen, mode):
    poll = new(results_visibility=mode)
    votes.cast(poll.id, {"options": ["no"], "voter": "reader-0001"}, None)
    frozen["now"] += 1
    mine = results.for_reader(poll.id, "reader-0001", is_admin=False).document
    assert (mine["total_voters"], mine["options"][1]["votes"]) == (1, 1)  # the fold has not run: theirs, added
    assert results.for_reader(poll.id, None, is_admin=True).document["total_voters"] == 0
    frozen["now"] += 1
    folded()
    assert results.for_reader(poll.id, "reader-0001", is_admin=False).document["total_voters"] == 1  # once
    assert results.for_reader(poll.id, None, is_admin=True).document["total_voters"] == 1


def test_a_voided_ballot_is_not_added_to_its_voters_results(memory, frozen):
    poll = new()
    votes.cast(poll.id, {"options": ["no"], "voter": "reader-0001"}, None)
    for ballot in memory.ballots.values():
        ballot["voided_at"] = int(frozen["now"])
    assert results.for_reader(poll.id, "reader-0001", is_admin=False).document["total_voters"] == 0
