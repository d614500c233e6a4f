"""The storage port for quizzes: their definitions, the readers' score ballots and the folded distribution."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.core.counts import Counts
from chalicelib.core.poll import Poll
from chalicelib.core.quizzes import Quiz


@dataclass(frozen=True)
class ScoreWrite:
    """A reader's score ballot: keyed by a keyed hash of (quiz, voter), written once, folded like a vote."""

    quiz: Quiz
    voter_hash: str
    score: int
    now: int
    expires_at: int
    request_id: str  # lets a retried request recognise its own committed score ballot


@dataclass(frozen=True)
class StoredScore:
    """The reader's score as stored: by this request (`new`, a retry of it included) or by an earlier one, and when."""

    score: int
    at: int
    new: bool


@dataclass(frozen=True)
class ScoreBoard:
    """A quiz's definition and its scores as folded (votes per score, readers), with when the fold last wrote."""

    quiz: Quiz
    counts: Counts = field(default_factory=Counts)
    folded_at: int | None = None


class QuizStore(Protocol):
    """Quiz definitions, score ballots and score tallies."""

    def create_quiz(self, quiz: Quiz) -> None:
        """Store a new quiz (one conditional write); QuizExists if the id is taken."""

    def get_quiz(self, quiz_id: str) -> Quiz:
        """Read a quiz's definition; QuizNotFound if there is none."""

    def list_quizzes(self) -> list[Quiz]:
        """Return every quiz, by id."""

    def change_quiz(self, old: Quiz, new: Quiz) -> None:
        """Write a changed definition over the version it was read at; StaleDefinition if it changed meanwhile."""

    def delete_quiz(self, quiz: Quiz) -> None:
        """Delete a quiz's definition and its score tallies (its score ballots expire)."""

    def read_board(self, quiz_id: str) -> ScoreBoard:
        """Read a quiz's definition and its score tallies in one request; QuizNotFound if there is none."""

    def voter_choices(self, polls: list[Poll], ballot_hashes: list[str]) -> dict[str, tuple[str, ...]]:
        """Return a voter's counted choices per poll id, from their ballots (hashes in the polls' order)."""

    def write_score(self, score: ScoreWrite) -> StoredScore:
        """Write a reader's score ballot unless they have one (one conditional PutItem); return the stored one."""
