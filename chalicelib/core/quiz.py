"""Quiz polls: which options are right, and whether a ballot chose exactly them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from chalicelib.core.errors import InvalidPoll
from chalicelib.core.poll import Poll, PollKind


def is_right(poll: Poll, options: Iterable[str]) -> bool:
    """Tell whether a ballot is right: the set of options it chose equals the set of correct ones."""
    return bool(poll.correct) and set(options) == set(poll.correct)


def quiz_fields(body: Mapping[str, Any], option_ids: list[str], max_choices: int) -> tuple[PollKind, tuple[str, ...]]:
    """Validate a create request's `kind` and `correct`: a quiz names 1..max_choices known options, a poll none."""
    raw_kind = body.get("kind", PollKind.POLL.value)
    if not isinstance(raw_kind, str) or raw_kind not in {kind.value for kind in PollKind}:
        raise InvalidPoll("kind", "must be 'poll' or 'quiz'")
    kind = PollKind(raw_kind)
    correct = body.get("correct", [])
    if kind is PollKind.POLL:
        if correct != []:
            raise InvalidPoll("correct", "only a quiz poll has correct options")
        return kind, ()
    if not isinstance(correct, list) or not 1 <= len(correct) <= max_choices:
        raise InvalidPoll("correct", f"must list 1 to {max_choices} option ids (max_choices)")
    if not all(isinstance(option, str) for option in correct):
        raise InvalidPoll("correct", "must list option ids (strings)")
    if len(set(correct)) != len(correct) or not set(correct) <= set(option_ids):
        raise InvalidPoll("correct", "must name distinct option ids of this poll")
    return kind, tuple(correct)
