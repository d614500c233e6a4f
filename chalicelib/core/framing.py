"""Validating what frames a poll on its pages: its disclaimer line and the link back to its article."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from chalicelib.core.errors import InvalidPoll
from chalicelib.core.text import checked_text

MAX_DISCLAIMER = 200
MAX_ARTICLE_URL = 2000
URL_HINT = "must be an https URL (http only for localhost or 127.x), at most 2000 characters, or null"


def disclaimer_text(field: str, value: Any) -> str:
    """Validate a custom disclaimer: 1-200 characters on one line."""
    return checked_text(field, value, MAX_DISCLAIMER, allow_newlines=False)


def disclaimer_value(field: str, value: Any) -> bool | str:
    """Validate a poll's disclaimer: true (the standard text), false (none) or a custom text."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise InvalidPoll(field, "must be true, false or a text of 1 to 200 characters")
    return disclaimer_text(field, value)


def _local(host: str) -> bool:
    """Tell whether a host is this machine (localhost or an address in 127.0.0.0/8)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network("127.0.0.0/8")
    except ValueError:
        return False


def article_url(field: str, value: Any) -> str | None:
    """Validate the article a poll belongs to: null, or an https URL (http for a local one) without credentials."""
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ARTICLE_URL:
        raise InvalidPoll(field, URL_HINT)
    if any(char.isspace() or not char.isprintable() for char in value):
        raise InvalidPoll(field, URL_HINT)
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as exc:
        raise InvalidPoll(field, URL_HINT) from exc
    secure = parts.scheme == "https" or (parts.scheme == "http" and _local(host))
    if not secure or not host or parts.username is not None or parts.password is not None:
        raise InvalidPoll(field, URL_HINT)
    return value
