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
    assert memory.calls == ["read_counts"]
    results.current(poll.id)
    assert memory.calls == ["read_counts"]


def test_forgetting_a_poll_drops_both_its_definition_and_its_tally(memory):
    poll = new()
    results.current(poll.id)
    catalog.forget(poll.id)
    assert catalog.cached_poll(poll.id) is None and catalog.tally(poll.id) is None


def test_a_vote_by_this_process_shows_in_its_cached_tally_at_once(memory):
    poll = new()
    results.current(poll.id)
    votes.cast(poll.id, {"options": ["no"], "voter": "reader-0001"}, None)
    assert results.current(poll.id).counts.votes["no"] == 1


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
