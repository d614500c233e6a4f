"""Screening write-ins: links, e-mail addresses, phone numbers and words a maintained list flags are auto-rejected.

The word lists are glin-profanity's (24 languages, below); a poll in another language is screened with the
English list, and for links, addresses and numbers like any other.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from typing import Any

# BCP 47 primary language -> glin-profanity's dictionary.
WORD_LISTS = {
    "ar": "arabic",
    "zh": "chinese",
    "cs": "czech",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "eo": "esperanto",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "hi": "hindi",
    "hu": "hungarian",
    "it": "italian",
    "ja": "japanese",
    "ko": "korean",
    "no": "norwegian",
    "nb": "norwegian",
    "nn": "norwegian",
    "fa": "persian",
    "pl": "polish",
    "pt": "portuguese",
    "ru": "russian",
    "es": "spanish",
    "sv": "swedish",
    "th": "thai",
    "tr": "turkish",
}
FALLBACK_LIST = "english"

URL_RE = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:[a-z]{2,24})(?:/\S*)?(?=\s|$|[),!?])",
    re.IGNORECASE,
)
EMAIL_RE = re.compile(
    r"[^\s@]+@[^\s@]+\.[^\s@]+|[^\s@]+\s*(?:@|\(at\)|\[at\])\s*[^\s@]+\s*(?:\.|\(dot\)|\[dot\])\s*\w+"
)
PHONE_RE = re.compile(r"\+?\d[\d\s().\-/]{6,}\d")
MIN_PHONE_DIGITS = 7


class Reason(StrEnum):
    """Why a write-in was rejected automatically."""

    LINK = "link"
    EMAIL = "email"
    PHONE = "phone"
    WORDS = "words"


def word_list(lang: str) -> str:
    """Return the word list a poll's language is screened with (English where glin-profanity has none)."""
    return WORD_LISTS.get(lang.split("-", maxsplit=1)[0].lower(), FALLBACK_LIST)


@lru_cache(maxsize=8)
def _filter(name: str) -> Any:
    """Return glin-profanity's filter for one list (built once per process: it reads the dictionary). Imported here,
    not with the module: it takes about 60 ms, which a vote's cold start must not pay (only the queue screens)."""
    from glin_profanity import Filter  # noqa: PLC0415

    return Filter({"languages": [name]})  # type: ignore[typeddict-item]


def _has_phone(text: str) -> bool:
    """Tell whether the text holds a run of digits that reads as a phone number (seven digits or more)."""
    return any(sum(c.isdigit() for c in found) >= MIN_PHONE_DIGITS for found in PHONE_RE.findall(text))


def screen(text: str, lang: str) -> Reason | None:
    """Return why a write-in is auto-rejected (None: it goes to the editors' queue as pending)."""
    if EMAIL_RE.search(text):
        return Reason.EMAIL
    if URL_RE.search(text):
        return Reason.LINK
    if _has_phone(text):
        return Reason.PHONE
    if _filter(word_list(lang)).is_profane(text):
        return Reason.WORDS
    return None
