"""The widget's words, read from its files: the English texts in web/poll-widget.js and web/locales/<lang>.js."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

WEB = Path(__file__).resolve().parent.parent / "web"
WIDGET = WEB / "poll-widget.js"
LOCALES = WEB / "locales"
LANGUAGES = ["cy", "gd", "ga", "fr", "de", "es", "it", "pt", "nl", "pl", "ar"]
STRING = r'"((?:[^"\\]|\\.)*)"'
LOCALE_FILE = re.compile(r"^/\*.*?\*/\s*\(window\.pollWidgetLocales \|\|= \{\}\)\.([a-z]+) = (\{.*\});\s*$", re.S)

Text = str | dict[str, str]  # a message, or a plural's form per Intl.PluralRules category


def _unquote(literal: str) -> str:
    return str(json.loads(f'"{literal}"'))


def english() -> dict[str, Text]:
    """Return every English text of the widget by its key: the text itself, a plural's `other` form, or for the
    disclaimer `disclaimer`."""
    source = WIDGET.read_text()
    texts: dict[str, Text] = {}
    for literal in re.findall(r"\bt\(\s*" + STRING, source):
        texts[_unquote(literal)] = _unquote(literal)
    for one, other in re.findall(r"\bt\(\s*\{\s*one:\s*" + STRING + r",\s*other:\s*" + STRING + r"\s*\}", source):
        texts[_unquote(other)] = {"one": _unquote(one), "other": _unquote(other)}
    for text in said_for_codes().values():
        texts[text] = text
    texts["disclaimer"] = disclaimer()
    return texts


def disclaimer() -> str:
    """Return the widget's English disclaimer, the default a locale file replaces under the key `disclaimer`."""
    found = re.search(r"\ben: \{ disclaimer: " + STRING, WIDGET.read_text())
    assert found is not None, "web/poll-widget.js has no `packs = { en: { disclaimer: ... } }`"
    return _unquote(found.group(1))


def said_for_codes() -> dict[str, str]:
    """Return the widget's SAY table: API error code (or results visibility) -> English text."""
    source = WIDGET.read_text()
    table = source[source.index("const SAY = {") : source.index("};", source.index("const SAY = {"))]
    return {code: _unquote(text) for code, text in re.findall(r"^\s+(\w+):\s*" + STRING + r",?$", table, re.M)}


def locale(lang: str) -> dict[str, Text]:
    """Return a locale file's texts, checking its shape: a comment, then the assignment of one JSON object."""
    match = LOCALE_FILE.match((LOCALES / f"{lang}.js").read_text())
    assert match is not None, (
        f"web/locales/{lang}.js is not `/* ... */ (window.pollWidgetLocales ||= {{}}).{lang} = {{...}};`"
    )
    assert match.group(1) == lang
    return dict(json.loads(match.group(2)))


def forms(text: Text) -> list[str]:
    """Return a text's forms (one, or one per plural category)."""
    return list(text.values()) if isinstance(text, dict) else [text]


def placeholders(text: str) -> set[str]:
    """Return the placeholders ({n}, {x}) in a text."""
    return set(re.findall(r"\{[nx]\}", text))


def pattern(text: str) -> str:
    """Return a regular expression matching a text as the widget renders it ({n} and {x} filled in)."""
    return ".+?".join(re.escape(part) for part in re.split(r"\{[nx]\}", text))


def rendered_from(shown: str, texts: dict[str, Text]) -> bool:
    """Tell whether a shown string is one or more of these texts (filled in), joined by spaces."""
    one = "(?:" + "|".join(pattern(form) for text in texts.values() for form in forms(text)) + ")"
    return re.fullmatch(f"{one}(?: {one})*", shown.strip()) is not None


def message(texts: dict[str, Text], english_text: str, category: str = "other") -> str:
    """Return a message's form in a language (the English text when the language lacks it)."""
    found = texts.get(english_text, english_text)
    return found.get(category, found["other"]) if isinstance(found, dict) else found


def json_dumps(value: Any) -> str:
    """Serialise for a page script."""
    return json.dumps(value, ensure_ascii=False)


SOMETHING_WRONG = "Something went wrong on our side and your vote was not confirmed."
NOT_ACCEPTED = "Sorry, your vote was not accepted ({x}). Please reload the page."
# How the widget shows each error code the API can answer its requests with (openapi.yaml: getPoll, getChallenge,
# castVote, getResults; not `unauthorized`, which answers only a wrong admin token). Codes of the widget's own
# mistakes get the generic message with the code; every 5xx the same apology (503s after their retries).
SHOWN_FOR_CODE = {
    **{code: text for code, text in said_for_codes().items() if code not in ("after_vote", "after_close", "never")},
    "challenge_required": said_for_codes()["challenge_failed"],
    "challenge_used": said_for_codes()["challenge_failed"],
    "turnstile_required": "Complete the check above first.",  # and the widget shows Turnstile's check
    "poll_not_open": "This poll opens on {x}.",
    "results_hidden": said_for_codes()["after_vote"],
    "invalid_json": NOT_ACCEPTED,
    "invalid_parameter": NOT_ACCEPTED,
    "payload_too_large": NOT_ACCEPTED,
    "unsupported_media_type": NOT_ACCEPTED,
    "internal_error": SOMETHING_WRONG,
    "service_unavailable": SOMETHING_WRONG,
    "try_again": SOMETHING_WRONG,
}
