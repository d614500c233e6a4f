"""Quizzes' rules: a right answer, a reader's score from their choices, the distribution, a quiz's definition."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.core.counts import Counts
from chalicelib.core.errors import DomainError, InvalidJson, InvalidVoter
from chalicelib.core.poll import Block, Option, Poll, PollKind, Visibility
from chalicelib.core.quiz import is_right, quiz_fields
from chalicelib.core.quiz_errors import InvalidQuiz
from chalicelib.core.quizzes import changed_quiz, distribution, new_quiz, score_of, score_request

NOW = 1_000_000
IDS = ["a", "b", "c"]


def poll(poll_id: str, correct: tuple[str, ...], max_choices: int = 1) -> Poll:
    return Poll(
        id=poll_id,
        question="Q?",
        options=tuple(Option(option, option.upper()) for option in IDS),
        opens_at=NOW,
        closes_at=None,
        closed=False,
        max_choices=max_choices,
        results_visibility=Visibility.ALWAYS,
        block=Block.VOTER,
        ip_limit=20,
        created_at=NOW,
        incarnation="abcd",
        kind=PollKind.QUIZ,
        correct=correct,
    )


def plain() -> Poll:
    return replace(poll("plain", ()), kind=PollKind.POLL)


@pytest.mark.parametrize(
    ("correct", "chosen", "right"),
    [
        (("a",), ["a"], True),
        (("a",), ["b"], False),
        (("a", "b"), ["b", "a"], True),
        (("a", "b"), ["a"], False),
        (("a",), ["a", "b"], False),
        ((), ["a"], False),
    ],
)
def test_a_ballot_is_right_when_it_chose_exactly_the_correct_options(correct, chosen, right):
    assert is_right(poll("p-1", correct, max_choices=2), chosen) is right


@pytest.mark.parametrize(
    ("chosen", "score"),
    [
        ({"q-1": ("a",), "q-2": ("b",), "q-3": ("a", "c")}, 3),
        ({"q-1": ("a",), "q-2": ("a",), "q-3": ("c",)}, 1),
        ({"q-2": ("b",)}, 1),
        ({}, 0),
        ({"other": ("a",)}, 0),
    ],
)
def test_a_score_is_the_polls_answered_right_and_an_unanswered_poll_is_wrong(chosen, score):
    polls = [poll("q-1", ("a",)), poll("q-2", ("b",)), poll("q-3", ("a", "c"), max_choices=2)]
    assert score_of(polls, chosen) == score


def test_the_distribution_lists_every_score_with_its_share_of_readers():
    found = distribution(Counts(votes={"0": 1, "2": 3}, voters=4), 3)
    assert found == {
        "readers": 4,
        "scores": [
            {"score": 0, "readers": 1, "share": 0.25},
            {"score": 1, "readers": 0, "share": 0.0},
            {"score": 2, "readers": 3, "share": 0.75},
            {"score": 3, "readers": 0, "share": 0.0},
        ],
    }


def test_an_empty_distribution_has_no_shares_and_no_division_by_zero():
    assert [s["share"] for s in distribution(Counts(), 2)["scores"]] == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "survey"}, "kind"),
        ({"kind": "quiz"}, "correct"),
        ({"kind": "quiz", "correct": []}, "correct"),
        ({"kind": "quiz", "correct": ["a", "b"]}, "correct"),  # more than max_choices
        ({"kind": "quiz", "correct": ["z"]}, "correct"),
        ({"kind": "quiz", "correct": "a"}, "correct"),
        ({"kind": "quiz", "correct": [{}]}, "correct"),
        ({"kind": ["quiz"]}, "kind"),
        ({"correct": ["a"]}, "correct"),  # a plain poll names none
    ],
)
def test_a_quiz_polls_kind_and_correct_options_are_checked(body, field):
    with pytest.raises(DomainError) as refused:
        quiz_fields(plain(), body)
    assert refused.value.status == 400 and refused.value.extra["field"] == field


def test_a_quiz_poll_keeps_its_correct_options_and_a_plain_poll_has_none():
    made = quiz_fields(plain(), {"kind": "quiz", "correct": ["b"]})
    assert (made.kind, made.correct) == (PollKind.QUIZ, ("b",))
    kept = quiz_fields(plain(), {})
    assert (kept.kind, kept.correct) == (PollKind.POLL, ())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "T", "polls": ["p-1"]}, "polls"),
        ({"title": "T", "polls": "p-1,p-2"}, "polls"),
        ({"title": "T", "polls": ["p-1", 2]}, "polls[1]"),
        ({"title": "T\nU", "polls": ["p-1", "p-2"]}, "title"),
        ({"title": "T", "polls": ["p-1", "p-2"], "id": "x"}, "id"),
        ({"title": "T", "polls": ["p-1", "p-2"], "correct": []}, "correct"),
    ],
)
def test_a_bad_quiz_definition_names_its_field(body, field):
    with pytest.raises(InvalidQuiz) as refused:
        new_quiz(body, NOW)
    assert refused.value.extra["field"] == field


def test_a_change_keeps_what_it_does_not_name_and_needs_something_to_change():
    quiz = new_quiz({"id": "bridges", "title": "Bridges", "polls": ["p-1", "p-2"]}, NOW)
    changed = changed_quiz(quiz, {"title": "Rivers"})
    assert (changed.title, changed.polls, changed.incarnation) == ("Rivers", quiz.polls, quiz.incarnation)
    with pytest.raises(InvalidQuiz):
        changed_quiz(quiz, {})


@pytest.mark.parametrize(
    ("body", "error"),
    [({"voter": "reader-0001"}, None), ({"voter": "x"}, InvalidVoter), ({}, InvalidVoter), ([], InvalidJson)],
)
def test_a_score_request_carries_a_voter_token_only(body, error):
    if error is None:
        assert score_request(body) == "reader-0001"
    else:
        with pytest.raises(error):
            score_request(body)
