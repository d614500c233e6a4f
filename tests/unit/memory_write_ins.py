"""The WriteInStore port over a dictionary (mixed into MemoryStore): the fold's notes and editors' decisions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from chalicelib.core.poll import Poll
from chalicelib.core.write_in_sightings import Sighting
from chalicelib.core.write_ins import MAX_SPELLINGS, Answer


@dataclass
class MemoryWriteIns:
    """Answers by (poll, incarnation, answer id)."""

    answer_items: dict[tuple[str, str, str], Answer] = field(default_factory=dict)
    answer_room: dict[tuple[str, str], int] = field(default_factory=dict)  # places taken under the limit

    def note_answers(self, poll_id: str, incarnation: str, seen: list[Sighting], limit: int) -> set[str]:
        """Note sightings of answers kept (a new one while fewer than `limit` are): first and last move outwards,
        spellings join a capped set (idempotent); return the ids kept."""
        kept = set()
        for sighting in seen:
            key = (poll_id, incarnation, sighting.answer_id)
            if key not in self.answer_items:
                if self.answer_room.get((poll_id, incarnation), 0) >= limit:
                    continue
                self.answer_room[(poll_id, incarnation)] = self.answer_room.get((poll_id, incarnation), 0) + 1
            kept.add(sighting.answer_id)
            new = Answer(sighting.answer_id, sighting.text, sighting.first, sighting.last)
            found = self.answer_items.get(key) or new
            spellings = set(found.spellings)
            room = sorted(sighting.spellings)[:MAX_SPELLINGS]
            if len(spellings) + len(room) <= MAX_SPELLINGS:
                spellings |= set(room)
            self.answer_items[key] = replace(
                found,
                first=min(found.first, sighting.first),
                last=max(found.last, sighting.last),
                spellings=tuple(sorted(spellings)),
            )
        return kept

    def kept_answers(self, poll_id: str, incarnation: str, answer_ids: set[str]) -> set[str]:
        """Return which of these answers have an entry."""
        return {answer for answer in answer_ids if (poll_id, incarnation, answer) in self.answer_items}

    def answers(self, poll: Poll) -> list[Answer]:
        """Return the incarnation's answers."""
        return [a for (p, inc, _), a in self.answer_items.items() if (p, inc) == (poll.id, poll.incarnation)]

    def decide_answer(self, poll: Poll, answer: Answer) -> bool:
        """Store a decision on an existing answer."""
        key = (poll.id, poll.incarnation, answer.id)
        if key not in self.answer_items:
            return False
        found = self.answer_items[key]
        self.answer_items[key] = replace(found, decision=answer.decision, into=answer.into, label=answer.label)
        return True
