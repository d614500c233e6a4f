"""Quiz polls: the rule of a right ballot, validating a quiz's answer, and where the answer may be shown.

The answer (`correct`, `explanation`) is never in a public document before the poll closes: a reader gets it in
their vote's 201 and, once voted, with the results. A right ballot carries a marker (`ok`) that the fold counts
as the pseudo-option RIGHT, so the share of right voters is exact from the folded counts at no extra request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from chalicelib.core.errors import InvalidPoll
from chalicelib.core.languages import choose
from chalicelib.core.poll import Poll, PollKind, Status
from chalicelib.core.quiz_errors import AnswerOnPlainPoll, QuizTooManyAnswers, QuizUnknownAnswer, QuizWithoutAnswer
from chalicelib.core.text import checked_text

RIGHT = "~right"  # the folded count of right ballots: not an option id ([a-z0-9-]), so never shown as one
MAX_EXPLANATION = 600
FIELDS = frozenset({"kind", "correct", "explanation"})


def is_right(poll: Poll, options: Iterable[str]) -> bool:
    """Tell whether a ballot is right: the set of options it chose equals the set of correct ones."""
    return bool(poll.correct) and set(options) == set(poll.correct)


def markers(poll: Poll, options: Iterable[str]) -> list[str]:
    """Return the pseudo-options a ballot adds to the counts besides its choices (RIGHT for a right quiz ballot)."""
    return [RIGHT] if poll.kind is PollKind.QUIZ and is_right(poll, options) else []


def explanation_text(field: str, value: Any) -> str:
    """Validate an explanation: 1-600 characters, line breaks allowed."""
    return checked_text(field, value, MAX_EXPLANATION, allow_newlines=True)


def answer_public(poll: Poll, now: float) -> bool:
    """Tell whether a quiz's answer may be shown to anyone: once the poll has closed."""
    return poll.kind is PollKind.QUIZ and poll.status_at(now) is Status.CLOSED


def answer_in(poll: Poll, requested: str | None) -> dict[str, Any]:
    """Return a quiz's answer in a language: its correct option ids and the explanation (translated if it is)."""
    found = poll.translations.get(choose(requested, poll.lang, poll.translations))
    explanation = poll.explanation if found is None or found.explanation is None else found.explanation
    return {"correct": list(poll.correct), "explanation": explanation}


def public_dict(poll: Poll, now: float, requested: str | None = None) -> dict[str, Any]:
    """Return the public poll document (GET /polls/{id}, the edge's): with a quiz's answer only once it closed."""
    body = poll.public_dict(now, requested)
    if answer_public(poll, now):
        body.update(answer_in(poll, body["lang"]))
    return body


def reveal(poll: Poll, options: Iterable[str], requested: str | None) -> dict[str, Any] | None:
    """Return what a vote's 201 tells its reader about a quiz: the answer and whether they were right."""
    if poll.kind is not PollKind.QUIZ:
        return None
    return {**answer_in(poll, requested), "right": is_right(poll, options)}


def results_answer(poll: Poll, lang: str, right: int, share: float) -> dict[str, Any]:
    """Return a results document's `quiz`: the answer, the right voters (folded exactly) and their share in %."""
    return {**answer_in(poll, lang), "right_voters": right, "right_share": share}


def quiz_fields(poll: Poll, body: dict[str, Any], *, changed: bool = False) -> Poll:
    """Apply a create or change request's kind, correct and explanation to a poll and check the quiz's rules.

    A change of options or max_choices re-checks a quiz's answer too (`changed`); translations' explanations are
    checked here (only a quiz has one)."""
    if not (FIELDS & set(body) or changed or poll.translations or poll.write_in):
        return poll
    kind = body.get("kind", poll.kind.value)
    if not isinstance(kind, str) or kind not in PollKind._value2member_map_:
        raise InvalidPoll("kind", "must be one of poll, quiz")
    correct = _correct(body["correct"]) if "correct" in body else poll.correct
    explanation = poll.explanation
    if "explanation" in body:
        given = body["explanation"]
        explanation = None if given is None else explanation_text("explanation", given)
    new = replace(poll, kind=PollKind(kind), correct=correct, explanation=explanation)
    _check(new)
    return new


def _correct(value: Any) -> tuple[str, ...]:
    """Validate the shape of `correct`: a list of distinct option ids (strings)."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidPoll("correct", "must be a list of option ids")
    if len(set(value)) != len(value):
        raise InvalidPoll("correct", "names an option twice")
    return tuple(value)


def _check(poll: Poll) -> None:
    """Check a quiz's answer against its options, or that a plain poll has none."""
    explained = [tag for tag, entry in sorted(poll.translations.items()) if entry.explanation is not None]
    if poll.kind is PollKind.POLL:
        if poll.correct:
            raise AnswerOnPlainPoll("correct", 'only a quiz has correct options: set "kind": "quiz"')
        if poll.explanation is not None or explained:
            field = "explanation" if poll.explanation is not None else f"translations.{explained[0]}.explanation"
            raise AnswerOnPlainPoll(field, 'only a quiz has an explanation: set "kind": "quiz"')
        return
    if not poll.correct:
        raise QuizWithoutAnswer("correct", "a quiz needs at least one correct option id")
    unknown = [option for option in poll.correct if option not in poll.option_ids()]
    if unknown:
        raise QuizUnknownAnswer("correct", f"'{unknown[0][:40]}' is not an option of this poll")
    if len(poll.correct) > poll.max_choices:
        raise QuizTooManyAnswers("correct", f"names {len(poll.correct)} options; max_choices is {poll.max_choices}")
    if poll.write_in:  # an answer written in is never right, and its votes could later be merged into one that is
        raise InvalidPoll("write_in", "a quiz takes no written-in answers")
