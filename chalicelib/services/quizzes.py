"""Multi-question quizzes: editors' definitions (audited), the public view, and each reader's score counted once.

A reader's score is worked out here from their own ballots in the quiz's polls, never taken from the browser. It is
written as one score ballot keyed by a keyed hash of (quiz, voter), put only if absent, in the ballots table: the
fold counts it into the quiz's score tallies like a vote (one tally per stream shard, no hot item), exactly once.
"""

from __future__ import annotations

import random
import secrets
import time
import uuid
from dataclasses import replace
from typing import Any

from chalicelib.core.audit import AuditAction, changes
from chalicelib.core.errors import PollNotFound, ServiceUnavailable
from chalicelib.core.identity import SYSTEM, Actor
from chalicelib.core.poll import Poll, Status
from chalicelib.core.quiz_errors import InvalidQuiz, QuizNotFound, QuizUnanswered
from chalicelib.core.quizzes import (
    Quiz,
    changed_quiz,
    check_quiz_poll,
    distribution,
    new_quiz,
    score_of,
    score_request,
)
from chalicelib.core.validation import POLL_ID_RE
from chalicelib.runtime import clock
from chalicelib.runtime.secrets import keyed_hash
from chalicelib.services import audit, catalog, results
from chalicelib.store.adapters import quiz_store, store
from chalicelib.store.port import StaleDefinition
from chalicelib.store.quiz_port import ScoreBoard, ScoreWrite, StoredScore

SCORE_KEEP_SECONDS = 400 * 86400  # a score ballot (and so its voter's once-only) is kept this long
STALE_RETRIES = 5
WRITE_ATTEMPTS = 3


def _check_polls(quiz: Quiz) -> None:
    """Check every poll of a quiz exists, is a quiz poll, and keeps its voters' ballots."""
    for index, poll_id in enumerate(quiz.polls):
        field = f"polls[{index}]"
        try:
            poll = store().get_poll(poll_id)
        except PollNotFound as exc:
            raise InvalidQuiz(field, f"no poll with id '{poll_id}'") from exc
        check_quiz_poll(field, poll, poll.block.keeps_ballots)


def create(body: Any, *, actor: Actor = SYSTEM) -> Quiz:
    """Create a quiz of existing quiz polls (one write), and record who did."""
    quiz = new_quiz(body, clock.now())
    _check_polls(quiz)
    quiz_store().create_quiz(quiz)
    audit.record(actor, AuditAction.QUIZ_CREATE, quiz.id, {"after": quiz.admin_dict()})
    return quiz


def _checked_id(quiz_id: str) -> str:
    """Return a quiz id of the right shape; QuizNotFound for any other."""
    if not POLL_ID_RE.fullmatch(quiz_id or ""):
        raise QuizNotFound(f"no quiz with id '{quiz_id[:64]}'")
    return quiz_id


def get(quiz_id: str) -> Quiz:
    """Return a quiz's definition as stored now."""
    _checked_id(quiz_id)
    return quiz_store().get_quiz(quiz_id)


def listing() -> dict[str, Any]:
    """Return every quiz, by id, for editors."""
    return {"quizzes": [quiz.admin_dict() for quiz in quiz_store().list_quizzes()]}


def change(quiz_id: str, body: Any, *, actor: Actor = SYSTEM) -> Quiz:
    """Change a quiz's title or polls over the version it was read at; new polls start the scores afresh (a new
    incarnation: readers counted before may be counted again, against the new questions)."""
    quiz = get(quiz_id)
    for _ in range(STALE_RETRIES):
        new = changed_quiz(quiz, body)
        if new.polls != quiz.polls:
            _check_polls(new)
            new = replace(new, incarnation=secrets.token_hex(4))
        new = replace(new, version=quiz.version + 1)
        try:
            quiz_store().change_quiz(quiz, new)
            break
        except StaleDefinition:
            quiz = get(quiz_id)
    else:
        raise ServiceUnavailable("the quiz kept changing; try again", retry_after=1)
    audit.record(actor, AuditAction.QUIZ_CHANGE, quiz_id, changes(quiz.admin_dict(), new.admin_dict()))
    return new


def delete(quiz_id: str, *, actor: Actor = SYSTEM) -> None:
    """Delete a quiz and its score tallies (its polls stay), and record who did."""
    quiz = get(quiz_id)
    quiz_store().delete_quiz(quiz)
    audit.record(actor, AuditAction.QUIZ_DELETE, quiz_id, {"before": quiz.admin_dict()})


def _polls(quiz: Quiz) -> list[Poll]:
    """Return the quiz's polls in order (a poll deleted since is left out)."""
    found = []
    for poll_id in quiz.polls:
        try:
            found.append(catalog.poll(poll_id))
        except PollNotFound:
            continue
    return found


def public(quiz_id: str, lang: str | None = None) -> dict[str, Any]:
    """Return a quiz as readers see it: its title and its polls' public definitions in order (never an answer)."""
    quiz, now = get(quiz_id), clock.now()
    return {
        "id": quiz.id,
        "title": quiz.title,
        "out_of": quiz.out_of,
        "polls": [poll.public_dict(now, lang) for poll in _polls(quiz)],
    }


def _answer(board: ScoreBoard, own: StoredScore | None) -> dict[str, Any]:
    """Return the distribution as folded, with the reader's own score while the fold does not hold it yet."""
    counts = board.counts.copy()
    if own is not None and (own.new or board.folded_at is None or own.at > board.folded_at):
        counts.add([str(own.score)])
    return {
        "quiz_id": board.quiz.id,
        "out_of": board.quiz.out_of,
        "distribution": distribution(counts, board.quiz.out_of),
    }


def score(quiz_id: str, body: Any) -> dict[str, Any]:
    """Work out a reader's score from their ballots, count it once per voter token, and answer with the distribution.

    A repeat (or a retry) answers with the score first counted, and counts nothing."""
    voter = score_request(body)
    quiz = get(quiz_id)
    polls = _polls(quiz)
    chosen = quiz_store().voter_choices(polls, [results.voter_hash(poll, voter) for poll in polls])
    now = int(clock.now())
    open_left = [poll.id for poll in polls if poll.id not in chosen and poll.status_at(now) is not Status.CLOSED]
    if not chosen or open_left:  # a score is final once counted: never one of a reader halfway through
        raise QuizUnanswered(f"this voter has not answered '{open_left[0] if open_left else quiz.polls[0]}' yet")
    write = ScoreWrite(
        quiz=quiz,
        voter_hash=keyed_hash("quiz-score", quiz.scope, voter),
        score=score_of(polls, chosen),
        now=now,
        expires_at=now + SCORE_KEEP_SECONDS,
        request_id=uuid.uuid4().hex,
    )
    stored = _write(write)
    board = quiz_store().read_board(quiz_id)
    return {"score": stored.score, "counted": stored.new, **_answer(board, stored)}


def _write(write: ScoreWrite) -> StoredScore:
    """Write the score ballot, retrying (the very same write) when the store's answer was lost or it was busy."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return quiz_store().write_score(write)
        except ServiceUnavailable:
            if attempt + 1 == WRITE_ATTEMPTS:
                raise
            time.sleep(random.uniform(0, 0.05 * 2**attempt))
    raise AssertionError("unreachable")


def scores(quiz_id: str) -> dict[str, Any]:
    """Return a quiz's score distribution as folded."""
    return _answer(quiz_store().read_board(_checked_id(quiz_id)), None)
