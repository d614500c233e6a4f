"""Searching polls by words of their question (the editors' console's search box)."""

from __future__ import annotations

import unicodedata

from chalicelib.core.errors import InvalidParameter

MAX_SEARCH = 100


def search_filter(search: str | None) -> list[str]:
    """Validate a poll search (`q`): up to 100 characters; returns its words, casefolded (all must match)."""
    if search is None:
        return []
    if len(search) > MAX_SEARCH or any(unicodedata.category(c) == "Cc" for c in search):
        raise InvalidParameter(f"q must be at most {MAX_SEARCH} characters without control characters")
    return search.casefold().split()


def matches(question: str, words: list[str]) -> bool:
    """Tell whether a question holds every word of a search."""
    folded = question.casefold()
    return all(word in folded for word in words)
