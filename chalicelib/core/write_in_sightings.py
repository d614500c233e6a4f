"""What the fold notes of write-ins: per answer in a batch, when it was first and last seen and a few spellings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.core.ledger import Contribution
from chalicelib.core.write_ins import MAX_SPELLINGS, is_answer


@dataclass(frozen=True)
class Sighting:
    """What one batch of the fold saw of one answer: its first text, when, and a few raw spellings."""

    answer_id: str
    text: str
    first: int
    last: int
    spellings: frozenset[str]


def sightings(contributions: Sequence[Contribution]) -> list[Sighting]:
    """Gather the write-ins among new ballots (voids change only counts), one sighting per answer, in order."""
    found: dict[str, Sighting] = {}
    for item in contributions:
        if item.sign < 0 or item.other is None:
            continue
        answer = next((option for option in item.options if is_answer(option)), None)
        if answer is None:
            continue
        seen = found.get(answer)
        if seen is None:
            found[answer] = Sighting(answer, item.other, item.cast_at, item.cast_at, frozenset({item.other}))
            continue
        spellings = seen.spellings | {item.other} if len(seen.spellings) < MAX_SPELLINGS else seen.spellings
        found[answer] = Sighting(
            answer, seen.text, min(seen.first, item.cast_at), max(seen.last, item.cast_at), spellings
        )
    return list(found.values())
