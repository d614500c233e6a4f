"""Per-poll translations of the question and option labels: validated with the same rules as the originals."""

from __future__ import annotations

from typing import Any

from chalicelib.core.errors import InvalidPoll
from chalicelib.core.framing import disclaimer_text
from chalicelib.core.languages import TAG_HINT, Translation, canonical_tag
from chalicelib.core.quiz import explanation_text
from chalicelib.core.text import label_text, question_text
from chalicelib.core.write_ins import is_answer

MAX_TRANSLATIONS = 40  # the 64 KiB body of an admin request bounds the stored item well below DynamoDB's 400 KB


def poll_language(field: str, value: Any) -> str:
    """Validate the language a poll's own question and labels are written in."""
    tag = canonical_tag(value)
    if tag is None:
        raise InvalidPoll(field, TAG_HINT)
    return tag


def parse_translations(value: Any, option_ids: list[str], lang: str) -> dict[str, Translation]:
    """Validate translations: {tag: {"question", "options", "disclaimer"?, "explanation"?}}, every option covered."""
    if not isinstance(value, dict):
        raise InvalidPoll("translations", 'must be an object: {"<language tag>": {"question", "options"}}')
    if len(value) > MAX_TRANSLATIONS:
        raise InvalidPoll("translations", f"at most {MAX_TRANSLATIONS} languages")
    found: dict[str, Translation] = {}
    taken = {lang.lower()}
    for given, entry in value.items():
        field = f"translations.{given[:40]}"
        tag = canonical_tag(given)
        if tag is None:
            raise InvalidPoll(field, TAG_HINT)
        if tag.lower() in taken:
            own = tag.lower() == lang.lower()
            raise InvalidPoll(
                field, "is the poll's own language (lang)" if own else "is given twice (tags ignore case)"
            )
        taken.add(tag.lower())
        found[tag] = _translation(field, entry, option_ids)
    return found


def _translation(field: str, entry: Any, option_ids: list[str]) -> Translation:
    """Validate one language's question and labels with the same rules as the originals."""
    if not isinstance(entry, dict):
        raise InvalidPoll(field, "must be an object with 'question' and 'options'")
    unknown = set(entry) - {"question", "options", "disclaimer", "explanation"}
    if unknown:
        raise InvalidPoll(f"{field}.{sorted(unknown)[0][:40]}", "unknown field")
    for name in ("question", "options"):
        if name not in entry:
            raise InvalidPoll(f"{field}.{name}", "is required")
    question = question_text(f"{field}.question", entry["question"])
    labels = entry["options"]
    if not isinstance(labels, dict):
        raise InvalidPoll(f"{field}.options", "must be an object: option id -> label")
    extra = [option_id for option_id in labels if option_id not in option_ids]
    if extra:
        raise InvalidPoll(f"{field}.options.{extra[0][:40]}", "is not an option of this poll")
    checked = {}
    for option_id in option_ids:
        if option_id not in labels and is_answer(option_id):
            continue  # an approved write-in shows the label its editor gave it until translated
        if option_id not in labels:
            raise InvalidPoll(f"{field}.options.{option_id}", "is required: every option needs a label")
        checked[option_id] = label_text(f"{field}.options.{option_id}", labels[option_id])
    disclaimer = disclaimer_text(f"{field}.disclaimer", entry["disclaimer"]) if "disclaimer" in entry else None
    explanation = explanation_text(f"{field}.explanation", entry["explanation"]) if "explanation" in entry else None
    return Translation(question=question, labels=checked, disclaimer=disclaimer, explanation=explanation)
