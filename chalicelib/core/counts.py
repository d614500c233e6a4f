"""Counts: votes per option and voters, and the results document built from them."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from chalicelib.core.poll import Poll, PollKind
from chalicelib.core.quiz import RIGHT, answer_public, results_answer
from chalicelib.core.times import to_iso
from chalicelib.core.write_ins import is_answer, resolve

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Counts:
    """Votes per option and voters: a tally's, or a poll's folded total."""

    votes: dict[str, int] = field(default_factory=dict)
    voters: int = 0

    def add(self, option_ids: list[str]) -> None:
        """Add one ballot's choices."""
        for option_id in option_ids:
            self.votes[option_id] = self.votes.get(option_id, 0) + 1
        self.voters += 1

    def merge(self, votes: dict[str, int], voters: int) -> Counts:
        """Add another tally's votes per option and voters (a stream shard's, or the rest of a poll's)."""
        for option_id, count in votes.items():
            self.votes[option_id] = self.votes.get(option_id, 0) + int(count)
        self.voters += int(voters)
        return self

    def copy(self) -> Counts:
        """Return an independent copy."""
        return Counts(votes=dict(self.votes), voters=self.voters)

    def differs_from(self, other: Counts, option_ids: list[str]) -> bool:
        """Tell whether two tallies disagree on voters or on any of these options."""
        return self.voters != other.voters or any(self.votes.get(o, 0) != other.votes.get(o, 0) for o in option_ids)


@dataclass(frozen=True)
class Tally:
    """A poll's definition with its counts as of a moment."""

    poll: Poll
    counts: Counts
    as_of: float


def percent(votes: int, voters: int) -> float:
    """Return votes as a percentage of voters, rounded half up to one decimal (0 with no voters)."""
    if voters <= 0:
        return 0.0
    value = Decimal(votes * 100) / Decimal(voters)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def shown_votes(poll: Poll, counts: Counts) -> tuple[dict[str, int], int]:
    """Return votes per option as shown (a merged write-in's in its target, at read time) and the "other" line's
    votes: every write-in not approved (pending, rejected or auto-rejected), never with its text."""
    options = set(poll.option_ids())
    shown: dict[str, int] = {}
    other = 0
    for option_id, count in counts.votes.items():
        target = resolve(option_id, poll.merged)
        if target in options:
            shown[target] = shown.get(target, 0) + count
        elif is_answer(option_id):
            other += count
    return shown, other


def results_document(tally: Tally, now: float, requested: str | None = None, *, answer: bool = False) -> dict[str, Any]:
    """Build the results document (GET /polls/{id}/results, the snapshots), in the language asked for if any.

    A quiz's answer and share of right voters come with it once the poll closed, or for a reader who voted
    (`answer`)."""
    poll, counts = tally.poll, tally.counts
    lang, question, labels = poll.text_in(requested)
    votes, other = shown_votes(poll, counts)
    document: dict[str, Any] = {
        "poll_id": poll.id,
        "lang": lang,
        "question": question,
        "status": poll.status_at(now).value,
        "total_voters": counts.voters,
        "options": [
            {
                "id": o.id,
                "label": labels[o.id],
                "votes": votes.get(o.id, 0),
                "percent": percent(votes.get(o.id, 0), counts.voters),
            }
            for o in poll.options
        ],
        "as_of": to_iso(tally.as_of),
    }
    if poll.kind is PollKind.QUIZ and (answer or answer_public(poll, now)):
        right = counts.votes.get(RIGHT, 0)
        document["quiz"] = results_answer(poll, lang, right, percent(right, counts.voters))
    if poll.write_in or other:
        document["other"] = {"votes": other, "percent": percent(other, counts.voters)}
    return document


def _spreadsheet_safe(text: str) -> str:
    """Keep spreadsheet programs from running a label as a formula (CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def results_csv(document: dict[str, Any], disclaimer: str | None = None) -> bytes:
    """Render a results document as CSV (UTF-8 with a BOM): original labels, then a column per translation.

    With a disclaimer, the first record is one field, "# <disclaimer>" (quoted when it holds a comma), so every CSV
    reader sees one cell and a spreadsheet shows the line whole; readers skip it as the line before the header.
    """
    translations = document.get("translations") or {}
    tags = sorted(translations)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if disclaimer:
        writer.writerow([f"# {disclaimer}"])
    writer.writerow(["option_id", "label", "votes", "percent", *(f"label_{tag}" for tag in tags)])
    for option in document["options"]:
        translated = [translations[tag]["options"].get(option["id"], "") for tag in tags]
        labels = [_spreadsheet_safe(label) for label in (option["label"], *translated)]
        writer.writerow([option["id"], labels[0], option["votes"], option["percent"], *labels[1:]])
    if "other" in document:  # write-ins not approved: one line, no text
        writer.writerow(["other", "", document["other"]["votes"], document["other"]["percent"], *("" for _ in tags)])
    writer.writerow(["total_voters", "", document["total_voters"], "", *("" for _ in tags)])
    return buffer.getvalue().encode("utf-8-sig")
