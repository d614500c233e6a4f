"""The audit log: record each admin action with who, when, which poll and what changed; read it newest first."""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from typing import Any

from chalicelib.core.audit import DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE, AuditAction, AuditEntry
from chalicelib.core.errors import DomainError, InvalidParameter
from chalicelib.core.identity import Actor
from chalicelib.core.validation import validate_poll_id, whole_number
from chalicelib.runtime import clock, observability
from chalicelib.store.adapters import audit_log

CURSOR_KEYS = frozenset({"stream", "at_id", "feed"})
CURSOR_VALUE = re.compile(r"[A-Za-z0-9#_-]{1,100}")


def record(actor: Actor, action: AuditAction, poll_id: str | None, details: dict[str, Any]) -> None:
    """Append one entry. The action has already happened, so a failed write never turns it into an error:
    the entry goes to the log as `audit_unrecorded` (whole) and is counted in AuditWriteFailures.
    """
    entry = AuditEntry(
        at_ms=int(clock.now() * 1000),
        entry_id=secrets.token_hex(8),
        actor=actor,
        action=action,
        poll_id=poll_id,
        details=details,
    )
    try:
        audit_log().append(entry)
    except DomainError as exc:
        observability.count(observability.AUDIT_WRITE_FAILURES)
        observability.logger.error("audit_unrecorded", extra={"entry": entry.as_dict(), "error": exc.message})


def _limit(raw: str | None) -> int:
    return whole_number(raw, "limit", 1, MAX_AUDIT_PAGE, DEFAULT_AUDIT_PAGE)


def _decode_cursor(cursor: str | None) -> dict[str, str] | None:
    if cursor is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii") + b"=="))
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidParameter("cursor is not valid") from exc
    if not isinstance(key, dict) or not key or not set(key) <= CURSOR_KEYS:
        raise InvalidParameter("cursor is not valid")
    if not all(isinstance(v, str) and CURSOR_VALUE.fullmatch(v) for v in key.values()):
        raise InvalidParameter("cursor is not valid")
    return key


def _encode_cursor(key: dict[str, str] | None) -> str | None:
    if key is None:
        return None
    raw = json.dumps(key, separators=(",", ":"), sort_keys=True).encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def page(poll_id: str | None, limit: str | None, cursor: str | None) -> dict[str, Any]:
    """Return one page of entries, newest first: one poll's, or all of them."""
    if poll_id is not None:
        try:
            validate_poll_id(poll_id)
        except DomainError as exc:
            raise InvalidParameter("poll_id is not a valid poll id") from exc
    found = audit_log().page(poll_id, _limit(limit), _decode_cursor(cursor))
    return {"entries": [e.as_dict() for e in found.entries], "next_cursor": _encode_cursor(found.next_key)}
