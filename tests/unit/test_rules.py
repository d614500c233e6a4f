"""The domain's rules, each stated once: the open window, repeat blocking, visibility, percentages."""

from __future__ import annotations

import pytest

from chalicelib.core import visibility
from chalicelib.core.counts import percent
from chalicelib.core.errors import PollClosed, PollNotOpen
from chalicelib.core.poll import Block, Option, Poll, Status, Visibility, Window
from chalicelib.core.votes import check_open

NOW = 1_000_000


def poll(visibility_: Visibility = Visibility.ALWAYS, closed: bool = False, closes_at: int | None = None) -> Poll:
    return Poll(
        id="p-1",
        question="Q?",
        options=(Option("yes", "Yes"), Option("no", "No")),
        opens_at=NOW - 100,
        closes_at=closes_at,
        closed=closed,
        max_choices=1,
        results_visibility=visibility_,
        block=Block.VOTER,
        ip_limit=20,
        created_at=NOW - 100,
        incarnation="abcd",
    )


@pytest.mark.parametrize(
    ("window", "status"),
    [
        (Window(NOW - 10, None, False), Status.OPEN),
        (Window(NOW, None, False), Status.OPEN),  # opens at exactly now
        (Window(NOW + 1, None, False), Status.SCHEDULED),
        (Window(NOW - 10, NOW + 1, False), Status.OPEN),
        (Window(NOW - 10, NOW, False), Status.CLOSED),  # closes at exactly now
        (Window(NOW - 10, None, True), Status.CLOSED),  # closed by an editor
        (Window(NOW + 10, None, True), Status.CLOSED),  # closed wins over scheduled
    ],
)
def test_the_window_rule_gives_the_status_at_a_time(window, status):
    assert window.status_at(NOW) is status


@pytest.mark.parametrize(
    ("window", "error"),
    [(Window(NOW - 10, None, True), PollClosed), (Window(NOW + 10, None, False), PollNotOpen)],
)
def test_votes_outside_the_window_are_refused_with_the_reason(window, error):
    with pytest.raises(error):
        check_open(window, NOW)


@pytest.mark.parametrize(
    ("block", "keeps_ballots", "limits_addresses"),
    [(Block.VOTER, True, False), (Block.VOTER_AND_IP, True, True), (Block.NONE, False, False)],
)
def test_each_blocking_mode_says_what_a_vote_writes(block, keeps_ballots, limits_addresses):
    assert (block.keeps_ballots, block.limits_addresses) == (keeps_ballots, limits_addresses)


@pytest.mark.parametrize(
    ("mode", "closed", "voted", "shown"),
    [
        (Visibility.ALWAYS, False, False, True),
        (Visibility.AFTER_VOTE, False, False, False),
        (Visibility.AFTER_VOTE, False, True, True),
        (Visibility.AFTER_VOTE, True, False, False),
        (Visibility.AFTER_CLOSE, False, True, False),
        (Visibility.AFTER_CLOSE, True, False, True),
        (Visibility.NEVER, True, True, False),
    ],
)
def test_the_visibility_rule_decides_who_sees_results(mode, closed, voted, shown):
    assert visibility.shown(poll(mode, closed=closed), NOW, voted=voted) is shown


@pytest.mark.parametrize(
    ("mode", "closed", "public"),
    [
        (Visibility.ALWAYS, False, True),
        (Visibility.AFTER_VOTE, False, False),
        (Visibility.AFTER_CLOSE, False, False),
        (Visibility.AFTER_CLOSE, True, True),
        (Visibility.NEVER, True, False),
    ],
)
def test_only_results_anyone_may_see_are_public(mode, closed, public):
    assert visibility.is_public(poll(mode, closed=closed), NOW) is public


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        (Visibility.AFTER_VOTE, "results are shown to those who have voted"),
        (Visibility.AFTER_CLOSE, "results are published when the poll closes"),
        (Visibility.NEVER, "results of this poll are not published"),
    ],
)
def test_hidden_results_say_why(mode, message):
    error = visibility.hidden(poll(mode))
    assert (error.code, error.message) == ("results_hidden", message)


@pytest.mark.parametrize(("votes", "voters", "shown"), [(0, 0, 0.0), (1, 3, 33.3), (2, 3, 66.7), (1, 8, 12.5)])
def test_percentages_round_half_up_to_one_decimal(votes, voters, shown):
    assert percent(votes, voters) == shown
