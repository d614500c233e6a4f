"""Editors' decisions on write-in answers: the request's shape, and what each does to the poll and the answer.

Approving makes the answer an option (its id the answer's, so the votes it has count at once); merging maps its
votes to another option at read time (Poll.merged: nothing is moved, so the move is exact; only where a ballot holds
one choice, else a ballot holding both would count twice there); rejecting leaves its
votes on the results' "other" line. A later decision replaces an earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.core.errors import InvalidPoll, InvalidWriteInDecision
from chalicelib.core.poll import Option, Poll
from chalicelib.core.text import MAX_OPTIONS, label_text
from chalicelib.core.write_ins import Action, Answer, AnswerStatus, resolve

DECISION_FIELDS = {"action", "into", "label"}


@dataclass(frozen=True)
class Decision:
    """An editor's checked decision: approve (with an optional label), merge into an option, or reject."""

    action: Action
    into: str | None = None
    label: str | None = None


def parse_decision(body: Any) -> Decision:
    """Check a decision body's shape: {"action", "into"? (merge only), "label"? (approve only)}."""
    if not isinstance(body, dict):
        raise InvalidWriteInDecision('the body must be a JSON object with "action"')
    unknown = set(body) - DECISION_FIELDS
    if unknown:
        raise InvalidWriteInDecision(f"unknown field '{sorted(unknown)[0][:40]}'")
    action = body.get("action")
    if not isinstance(action, str) or action not in Action._value2member_map_:
        raise InvalidWriteInDecision(f"action must be one of {', '.join(a.value for a in Action)}")
    into, label = body.get("into"), body.get("label")
    if (into is not None) != (action == Action.MERGE):
        raise InvalidWriteInDecision("into (an option id) is required to merge, and only then")
    if into is not None and not isinstance(into, str):
        raise InvalidWriteInDecision("into must be an option id")
    if label is not None:
        if action != Action.APPROVE:
            raise InvalidWriteInDecision("label is only for approve")
        try:
            label = label_text("label", label)
        except InvalidPoll as exc:
            raise InvalidWriteInDecision(exc.message) from exc
    return Decision(Action(action), into, label)


def decided(poll: Poll, answer: Answer, decision: Decision) -> tuple[Poll, Answer]:
    """Return the poll and the answer as the decision leaves them (the answer's text is never a label unasked:
    approving without a label shows the text the first reader typed, as the editor saw it)."""
    others = tuple(option for option in poll.options if option.id != answer.id)
    merged = {k: v for k, v in poll.merged.items() if k != answer.id}
    if decision.action is not Action.APPROVE and poll.max_choices > len(others):
        raise InvalidWriteInDecision(f"max_choices is {poll.max_choices}: the poll must keep that many options")
    if decision.action is Action.MERGE:
        if poll.max_choices > 1:  # a ballot may hold the target and the answer: merged, it would count twice
            raise InvalidWriteInDecision("a poll that takes several choices cannot merge answers: approve or reject")
        into = str(decision.into)
        if into not in {option.id for option in others} or resolve(into, merged) == answer.id:
            raise InvalidWriteInDecision("into must be another option of the poll (or an approved answer)")
        new = replace(poll, options=others, merged={**merged, answer.id: into})
        return new, replace(answer, decision=AnswerStatus.MERGED, into=into, label=None)
    if decision.action is Action.REJECT:
        new = replace(poll, options=others, merged=merged)
        return new, replace(answer, decision=AnswerStatus.REJECTED, into=None, label=None)
    label = decision.label or answer.label or answer.text
    kept = [Option(answer.id, label) if option.id == answer.id else option for option in poll.options]
    if answer.id not in poll.option_ids():
        if len(kept) >= MAX_OPTIONS:
            raise InvalidWriteInDecision(f"a poll has at most {MAX_OPTIONS} options: merge this answer instead")
        kept.append(Option(answer.id, label))
    new = replace(poll, options=tuple(kept), merged=merged)
    return new, replace(answer, decision=AnswerStatus.APPROVED, into=None, label=label)
