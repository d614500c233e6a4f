"""The text readers see: questions, options and their labels (in any language), and option ids made from labels."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from chalicelib.core.errors import InvalidPoll
from chalicelib.core.poll import Option

MAX_QUESTION = 300
MAX_LABEL = 200
OPTION_ID_RE = re.compile(r"[a-z0-9-]{1,40}")
MIN_OPTIONS, MAX_OPTIONS = 2, 20


def checked_text(field: str, value: Any, max_len: int, allow_newlines: bool) -> str:
    """Validate a user-visible text: a non-blank string without control characters."""
    if not isinstance(value, str):
        raise InvalidPoll(field, "must be a string")
    text = value.strip()
    if not 1 <= len(text) <= max_len:
        raise InvalidPoll(field, f"must be 1 to {max_len} characters")
    allowed = "\n\t" if allow_newlines else ""
    for char in text:
        category = unicodedata.category(char)
        if (category == "Cc" and char not in allowed) or category == "Cs":
            raise InvalidPoll(field, "must not contain control characters")
    return text


def question_text(field: str, value: Any) -> str:
    """Validate a question: 1-300 characters on one line."""
    return checked_text(field, value, MAX_QUESTION, allow_newlines=False)


def label_text(field: str, value: Any) -> str:
    """Validate an option label: 1-200 characters."""
    return checked_text(field, value, MAX_LABEL, allow_newlines=True)


def slugify(label: str) -> str:
    """Turn a label into an option id: "Don't know" -> "dont-know" (may be empty)."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    ascii_text = ascii_text.lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:40].strip("-")


def parse_options(value: Any) -> tuple[Option, ...]:
    """Validate options given as labels or {"id", "label"} objects; slug ids are made unique."""
    if not isinstance(value, list) or not MIN_OPTIONS <= len(value) <= MAX_OPTIONS:
        raise InvalidPoll("options", f"must be a list of {MIN_OPTIONS} to {MAX_OPTIONS} options")
    explicit: list[tuple[str | None, str]] = []
    for index, entry in enumerate(value):
        field = f"options[{index}]"
        if isinstance(entry, str):
            explicit.append((None, label_text(field, entry)))
        elif isinstance(entry, dict):
            if set(entry) - {"id", "label"}:
                raise InvalidPoll(field, "only 'id' and 'label' are allowed")
            option_id = entry.get("id")
            if not isinstance(option_id, str) or not OPTION_ID_RE.fullmatch(option_id):
                raise InvalidPoll(f"{field}.id", "must match [a-z0-9-]{1,40}")
            explicit.append((option_id, label_text(f"{field}.label", entry.get("label"))))
        else:
            raise InvalidPoll(field, "must be a label or an object with 'id' and 'label'")
    taken = {option_id for option_id, _ in explicit if option_id is not None}
    if len(taken) != sum(1 for option_id, _ in explicit if option_id is not None):
        raise InvalidPoll("options", "option ids must be unique")
    options = []
    for index, (given_id, label) in enumerate(explicit):
        option_id = given_id
        if option_id is None:
            base = slugify(label) or f"option-{index + 1}"
            option_id, suffix = base, 2
            while option_id in taken:
                option_id, suffix = f"{base[:36]}-{suffix}", suffix + 1
            taken.add(option_id)
        options.append(Option(id=option_id, label=label))
    return tuple(options)
