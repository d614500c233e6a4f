"""Each local stack's embedded AWS starts empty, as a process of its own would, though moto keeps its state in the
process's globals: a stack started after another sees none of its polls or ballots (whose stream a new fold would
otherwise read again from its start), and a stack stopped while another runs leaves the other's data alone."""

from __future__ import annotations

from local.stack import DEMO_POLL
from tests.browser_support import api, ballots, create_poll, vote_over_http


def polls_listed(stack) -> set[str]:
    return {poll["id"] for poll in api(stack).polls(limit=100).expect(200)["polls"]}


def test_a_stack_started_after_another_sees_none_of_its_data(make_stack):
    with make_stack(admin_token="first-stack-token-0123456789") as first:
        earlier = create_poll(first, challenge="none")["id"]
        vote_over_http(first, earlier, ["coffee"])
        assert ballots(first, earlier) == 1
    with make_stack(admin_token="second-stack-token-0123456789") as second:
        assert polls_listed(second) == {DEMO_POLL["id"]}
        assert ballots(second, earlier) == 0


def test_a_stack_stopped_while_another_runs_leaves_the_others_data(make_stack):
    with make_stack(admin_token="outer-stack-token-0123456789") as outer:
        kept = create_poll(outer, challenge="none")["id"]
        vote_over_http(outer, kept, ["coffee"])
        with make_stack(admin_token="inner-stack-token-0123456789") as inner:
            assert kept in polls_listed(inner)  # one process, one moto: what runs together shares it
        assert kept in polls_listed(outer) and ballots(outer, kept) == 1
