"""Write-in answers ("Other"): the text a reader types, normalised, its answer id, and its place in the queue."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.core.errors import InvalidWriteIn
from chalicelib.core.times import to_iso

MAX_WRITE_IN = 80  # characters, after normalisation
# An answer's id: this prefix and a keyed hash of its matching form. Editors' option ids match [a-z0-9-]{1,40},
# so no option an editor names can take one.
ANSWER_PREFIX = "w_"
ANSWER_ID_RE = re.compile(r"w_[0-9a-f]{12}")
MAX_SPELLINGS = 5  # raw spellings kept per answer (the first few the fold meets)
# Distinct answers a poll keeps, at most and by default (the WRITE_IN_LIMIT setting), each its own count and queue
# entry. Every answer is a counter in the poll's tallies: without a limit a flood of made-up answers would grow them
# past what one DynamoDB expression (4 KB) adds and stop the fold. With 20 options, 200 still fit one expression when
# the fold adds a batch, a compaction seals 49 tallies into the base or a recount corrects it (tests measure each).
WRITE_IN_LIMIT = 200
UNLISTED = "w_unlisted"  # the answer id, which no write-in takes (not ANSWER_ID_RE), of votes past the limit: Other
# Format characters that only steer or hide text: bidi embeddings, overrides and isolates, zero-width ones, BOM.
STEERING = frozenset("\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class AnswerStatus(StrEnum):
    """Where a write-in answer stands: waiting, shown as an option, counted in another, or never shown."""

    PENDING = "pending"
    APPROVED = "approved"
    MERGED = "merged"
    REJECTED = "rejected"
    AUTO_REJECTED = "auto_rejected"


class Action(StrEnum):
    """What an editor decides about a write-in answer."""

    APPROVE = "approve"
    MERGE = "merge"
    REJECT = "reject"


@dataclass(frozen=True)
class WriteIn:
    """A reader's write-in: the text as kept (NFKC, one space between words) and its matching form (casefolded)."""

    text: str
    match: str


def normalise(value: Any) -> WriteIn:
    """Normalise a write-in (NFKC, whitespace collapsed, trimmed); refuse control, bidi-control and empty text."""
    if not isinstance(value, str):
        raise InvalidWriteIn("other must be a string of 1 to 80 characters")
    text = unicodedata.normalize("NFKC", value)
    for char in text:
        category = unicodedata.category(char)
        if char in BIDI_CONTROLS:
            raise InvalidWriteIn("other must not contain bidirectional controls")
        if (category in ("Cc", "Cs", "Co", "Cn") and not char.isspace()) or char in "\u2028\u2029\x85":
            raise InvalidWriteIn("other must not contain control characters")
    text = "".join(char for char in text if char not in STEERING)
    text = " ".join(text.split())
    if not text:
        raise InvalidWriteIn("other must hold visible text")
    if len(text) > MAX_WRITE_IN:
        raise InvalidWriteIn(f"other must be 1 to {MAX_WRITE_IN} characters")
    return WriteIn(text=text, match=unicodedata.normalize("NFKC", text.casefold()))


def is_answer(option_id: str) -> bool:
    """Tell whether an id in a ballot is a write-in answer's (not an editor's option)."""
    return option_id.startswith(ANSWER_PREFIX)


def listed_only(options: tuple[str, ...], kept: set[str]) -> tuple[str, ...]:
    """Return a ballot's options with each answer the poll did not keep counted as UNLISTED instead."""
    return tuple(UNLISTED if is_answer(option) and option not in kept else option for option in options)


def resolve(option_id: str, merged: dict[str, str] | Any) -> str:
    """Follow merges from an answer to where its votes count (at most a few steps; a loop stays where it is)."""
    seen = {option_id}
    while option_id in merged and merged[option_id] not in seen:
        option_id = merged[option_id]
        seen.add(option_id)
    return option_id


@dataclass(frozen=True)
class Answer:
    """A write-in answer in a poll's queue: its first text and spellings as folded, and the editors' decision."""

    id: str
    text: str
    first: int
    last: int
    spellings: tuple[str, ...] = ()
    decision: AnswerStatus | None = None  # approved, merged or rejected by an editor (None: no decision yet)
    into: str | None = None  # the option its votes count in (merged)
    label: str | None = None  # the label it shows as (approved)

    def status(self, flagged: bool) -> AnswerStatus:
        """Return the answer's status: an editor's decision, else auto-rejected when flagged, else pending."""
        if self.decision is not None:
            return self.decision
        return AnswerStatus.AUTO_REJECTED if flagged else AnswerStatus.PENDING

    def as_dict(self, votes: int, flagged: bool, reason: str | None) -> dict[str, Any]:
        """Return the answer as editors see it (GET /polls/{id}/write-ins)."""
        return {
            "id": self.id,
            "text": self.text,
            "votes": votes,
            "status": self.status(flagged).value,
            "reason": reason if self.decision is None else None,
            "into": self.into,
            "label": self.label,
            "first": to_iso(self.first),
            "last": to_iso(self.last),
            "spellings": sorted(self.spellings),
        }
