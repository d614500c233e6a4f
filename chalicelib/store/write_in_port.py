"""The storage port's write-in answers (part of the Store port in port.py): the fold's queue and editors' decisions."""

from __future__ import annotations

from typing import Protocol

from chalicelib.core.poll import Poll
from chalicelib.core.write_in_sightings import Sighting
from chalicelib.core.write_ins import Answer


class WriteInStore(Protocol):
    """Each write-in answer of a poll incarnation: first and last seen, sample spellings, and the decision on it."""

    def note_answers(self, poll_id: str, incarnation: str, seen: list[Sighting], limit: int) -> set[str]:
        """Note what a batch of the fold saw of answers, keeping at most `limit` answers in the incarnation (an
        answer not kept is not noted); return the ids kept. Idempotent: a redelivered batch changes nothing more."""

    def kept_answers(self, poll_id: str, incarnation: str, answer_ids: set[str]) -> set[str]:
        """Return which of these answers the incarnation keeps (strongly consistent)."""

    def answers(self, poll: Poll) -> list[Answer]:
        """Return every answer readers wrote in the poll's incarnation (strongly consistent)."""

    def decide_answer(self, poll: Poll, answer: Answer) -> bool:
        """Store an editor's decision on an answer (its decision, into, label); False if there is no such answer."""
