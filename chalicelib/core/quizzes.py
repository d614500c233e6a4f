"""Multi-question quizzes: a titled, ordered group of quiz polls, a reader's score, and the quiz's distribution."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.core.counts import Counts
from chalicelib.core.errors import InvalidJson, InvalidPoll
from chalicelib.core.poll import Poll, PollKind
from chalicelib.core.quiz import is_right
from chalicelib.core.quiz_errors import InvalidQuiz
from chalicelib.core.text import question_text
from chalicelib.core.times import to_iso
from chalicelib.core.validation import POLL_ID_RE
from chalicelib.core.votes import check_voter

MIN_POLLS, MAX_POLLS = 2, 20
CREATE_FIELDS = frozenset({"id", "title", "polls"})
CHANGE_FIELDS = frozenset({"title", "polls"})
SCORE_FIELDS = frozenset({"voter"})


@dataclass(frozen=True)
class Quiz:
    """A quiz's definition: its polls in the order readers answer them; `incarnation` as a poll's."""

    id: str
    title: str
    polls: tuple[str, ...]
    incarnation: str
    created_at: int
    version: int = 0

    @property
    def scope(self) -> str:
        """Identify this incarnation of the quiz id (mixed into the score ballots' hashes)."""
        return f"quiz:{self.id}/{self.incarnation}"

    @property
    def out_of(self) -> int:
        """Return the best score: one point a poll."""
        return len(self.polls)

    def admin_dict(self) -> dict[str, Any]:
        """Return the representation editors see."""
        return {
            "id": self.id,
            "title": self.title,
            "polls": list(self.polls),
            "created_at": to_iso(self.created_at),
            "version": self.version,
        }


def _object(body: Any, allowed: frozenset[str]) -> dict[str, Any]:
    """Check that a body is an object of known fields."""
    if not isinstance(body, dict):
        raise InvalidQuiz("body", "must be a JSON object")
    unknown = set(body) - allowed
    if unknown:
        raise InvalidQuiz(sorted(unknown)[0], "unknown field")
    return body


def _title(value: Any) -> str:
    """Validate a title: as a poll's question, 1-300 characters on one line."""
    try:
        return question_text("title", value)
    except InvalidPoll as exc:
        raise InvalidQuiz("title", exc.message.removeprefix("title: ")) from exc


def _poll_ids(value: Any) -> tuple[str, ...]:
    """Validate the ordered poll ids: 2 to 20 distinct poll ids."""
    if not isinstance(value, list) or not MIN_POLLS <= len(value) <= MAX_POLLS:
        raise InvalidQuiz("polls", f"must be a list of {MIN_POLLS} to {MAX_POLLS} poll ids")
    for index, poll_id in enumerate(value):
        if not isinstance(poll_id, str) or not POLL_ID_RE.fullmatch(poll_id):
            raise InvalidQuiz(f"polls[{index}]", "must be a poll id")
    if len(set(value)) != len(value):
        raise InvalidQuiz("polls", "must not name a poll twice")
    return tuple(value)


def new_quiz(body: Any, now: float) -> Quiz:
    """Validate a create request into a Quiz (its polls not yet checked against the store)."""
    body = _object(body, CREATE_FIELDS)
    quiz_id = body.get("id", secrets.token_hex(6))
    if not isinstance(quiz_id, str) or not POLL_ID_RE.fullmatch(quiz_id):
        raise InvalidQuiz("id", "must match [a-z0-9-]{3,64}")
    if "title" not in body:
        raise InvalidQuiz("title", "is required")
    title = _title(body["title"])
    polls = _poll_ids(body.get("polls"))
    return Quiz(quiz_id, title, polls, incarnation=secrets.token_hex(4), created_at=int(now))


def changed_quiz(quiz: Quiz, body: Any) -> Quiz:
    """Validate a PATCH body (title, polls) against a quiz."""
    body = _object(body, CHANGE_FIELDS)
    if not body:
        raise InvalidQuiz("body", "give title or polls")
    new = quiz
    if "title" in body:
        new = replace(new, title=_title(body["title"]))
    if "polls" in body:
        new = replace(new, polls=_poll_ids(body["polls"]))
    return new


def check_quiz_poll(field: str, poll: Poll, keeps_ballots: bool) -> None:
    """Check that a poll can be a quiz's question: a quiz poll that keeps each voter's ballot."""
    if poll.kind is not PollKind.QUIZ or not poll.correct:
        raise InvalidQuiz(field, f"poll '{poll.id}' is not a quiz poll (kind 'quiz' with correct options)")
    if not keeps_ballots:
        raise InvalidQuiz(field, f"poll '{poll.id}' keeps no ballot per voter, so no score can be read from it")


def score_request(body: Any) -> str:
    """Validate a score request's body and return its voter token."""
    if not isinstance(body, dict) or set(body) - SCORE_FIELDS:
        raise InvalidJson("the body must be a JSON object with 'voter' only")
    return check_voter(body.get("voter"))


def score_of(polls: Iterable[Poll], chosen: Mapping[str, tuple[str, ...]]) -> int:
    """Count the polls a reader answered right (a poll without their ballot counts as wrong)."""
    return sum(1 for poll in polls if poll.id in chosen and is_right(poll, chosen[poll.id]))


def distribution(counts: Counts, out_of: int) -> dict[str, Any]:
    """Return the share of readers per score, 0 to out_of (a score ballot counts its score as its one option)."""
    readers = counts.voters
    scores = []
    for score in range(out_of + 1):
        n = counts.votes.get(str(score), 0)
        scores.append({"score": score, "readers": n, "share": round(n / readers, 4) if readers else 0.0})
    return {"readers": readers, "scores": scores}
