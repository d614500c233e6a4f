"""Languages: well-formed tags, a poll's text in one other language, and which language to answer in."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.core.errors import InvalidParameter

# language[-script][-region] (BCP 47's common subset): cy, pt-BR, zh-Hant, zh-Hant-TW, es-419.
TAG_RE = re.compile(r"([A-Za-z]{2,3})(?:-([A-Za-z]{4}))?(?:-([A-Za-z]{2}|[0-9]{3}))?")
TAG_HINT = "must be a language tag such as cy, pt-BR or zh-Hant"
DEFAULT_LANG = "en"  # polls stored before languages existed are English


@dataclass(frozen=True)
class Translation:
    """A poll's question and option labels in one other language."""

    question: str
    labels: Mapping[str, str]  # option id -> label, every option of the poll
    disclaimer: str | None = None  # the poll's disclaimer in this language, when custom-translated
    explanation: str | None = None  # a quiz's explanation of its answer in this language

    def as_dict(self, option_ids: Iterable[str], answer: bool = True) -> dict[str, Any]:
        """Return the API representation, options in the poll's order (a disclaimer only when it has one; a quiz's
        explanation only with `answer`)."""
        body: dict[str, Any] = {
            "question": self.question,
            "options": {o: self.labels[o] for o in option_ids if o in self.labels},
        }
        if self.disclaimer is not None:
            body["disclaimer"] = self.disclaimer
        if answer and self.explanation is not None:
            body["explanation"] = self.explanation
        return body


def canonical_tag(value: Any) -> str | None:
    """Return a well-formed tag in its conventional case (pt-br -> pt-BR, zh-hant -> zh-Hant), else None."""
    match = TAG_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    language, script, region = match.groups()
    parts = [language.lower(), script.title() if script else None, region.upper() if region else None]
    return "-".join(part for part in parts if part)


def requested_language(value: str | None) -> str | None:
    """Validate a `lang` query parameter (None when absent)."""
    if value is None:
        return None
    tag = canonical_tag(value)
    if tag is None:
        raise InvalidParameter(f"lang {TAG_HINT}")
    return tag


def choose(requested: str | None, original: str, available: Iterable[str]) -> str:
    """Return the language to answer in: the tag asked for, else its shorter forms (pt-BR -> pt), else the original."""
    if requested is None:
        return original
    known = {tag.lower(): tag for tag in available}
    known[original.lower()] = original
    parts = requested.lower().split("-")
    while parts:
        found = known.get("-".join(parts))
        if found is not None:
            return found
        parts.pop()
    return original
