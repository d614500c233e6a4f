"""The quiz rules: a right ballot, the marker the fold counts, and when the answer is public."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.core import quiz
from chalicelib.core.ledger import Contribution, delta
from chalicelib.core.poll import Block, Option, Poll, PollKind, Visibility

NOW = 1_000_000


def a_quiz(correct: tuple[str, ...], max_choices: int = 3, closed: bool = False) -> Poll:
    return Poll(
        id="quiz-1",
        question="Which?",
        options=(Option("a", "A"), Option("b", "B"), Option("c", "C")),
        opens_at=NOW - 100,
        closes_at=None,
        closed=closed,
        max_choices=max_choices,
        results_visibility=Visibility.ALWAYS,
        block=Block.VOTER,
        ip_limit=20,
        created_at=NOW - 100,
        incarnation="abcd",
        kind=PollKind.QUIZ,
        correct=correct,
        explanation="Because.",
    )


@pytest.mark.parametrize(
    ("correct", "chosen", "right"),
    [
        (("a",), ["a"], True),
        (("a",), ["b"], False),
        (("a",), ["a", "b"], False),  # more than the answer
        (("a", "b"), ["b", "a"], True),  # order does not matter
        (("a", "b"), ["a"], False),  # part of the answer
        (("a", "b"), ["a", "c"], False),
        (("a", "b", "c"), ["c", "b", "a"], True),
    ],
)
def test_a_ballot_is_right_when_it_chose_exactly_the_correct_options(correct, chosen, right):
    poll = a_quiz(correct)
    assert quiz.is_right(poll, chosen) is right
    assert quiz.markers(poll, chosen) == ([quiz.RIGHT] if right else [])


def test_a_plain_poll_has_no_right_ballot():
    plain = replace(a_quiz(()), kind=PollKind.POLL)
    assert quiz.is_right(plain, ["a"]) is False and quiz.markers(plain, ["a"]) == []


@pytest.mark.parametrize(("closed", "public"), [(False, False), (True, True)])
def test_the_answer_is_public_only_once_the_quiz_closed(closed, public):
    poll = a_quiz(("a",), closed=closed)
    body = quiz.public_dict(poll, NOW)
    assert quiz.answer_public(poll, NOW) is public
    assert ("correct" in body, "explanation" in body) == (public, public)
    assert body["kind"] == "quiz"


def test_the_fold_counts_right_ballots_as_the_right_marker_and_takes_them_off_when_voided():
    def item(sequence: str, options: tuple[str, ...], sign: int, right: bool) -> Contribution:
        return Contribution("quiz-1", "abcd", sequence.zfill(40), options, sign, NOW, right=right)

    summed = delta(
        [
            item("1", ("a", "b"), 1, True),
            item("2", ("a",), 1, False),
            item("3", ("b", "a"), 1, True),
            item("4", ("a", "b"), -1, True),
        ]
    )
    assert summed.votes == {"a": 2, "b": 1, quiz.RIGHT: 1}
    assert summed.voters == 2


def test_a_quiz_share_card_never_shows_the_answer_before_it_closes():
    from chalicelib.core import cards
    from tests.unit.card_samples import COUNTS, card, poll

    explanation = "Option o1 is right because the council said so."
    the_quiz = replace(poll(), kind=PollKind.QUIZ, correct=("o1",), explanation=explanation)
    counts = replace(COUNTS, votes={**COUNTS.votes, quiz.RIGHT: 80})

    def measure(text: str, size: int, bold: bool) -> float:
        return len(text) * size * 0.55

    layout = cards.layout(card(the_quiz, counts), measure)
    drawn = " ".join(layout.texts()) + " " + layout.alt
    assert explanation not in drawn and "correct" not in drawn.lower() and "right" not in drawn.lower()
    plain = cards.layout(card(poll(), COUNTS), measure)  # the right ballots' count draws nothing of its own
    assert (layout.texts(), layout.bars, layout.alt) == (plain.texts(), plain.bars, plain.alt)
