"""Poll operations for editors: create, read, change (including close and reopen), list and delete."""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from typing import Any

from chalicelib.core.audit import AuditAction, change_action, changes
from chalicelib.core.counts import Counts
from chalicelib.core.errors import InvalidParameter, PollHasVotes, ServiceUnavailable
from chalicelib.core.identity import SYSTEM, Actor
from chalicelib.core.poll import Poll
from chalicelib.core.search import matches, search_filter
from chalicelib.core.validation import POLL_ID_RE, changed_poll, new_poll, page_size, status_filter
from chalicelib.runtime import clock
from chalicelib.runtime.settings import get_settings
from chalicelib.services import audit, catalog, challenges, edge, retention
from chalicelib.store.adapters import store
from chalicelib.store.port import StaleDefinition

STALE_RETRIES = 5


def create(body: Any, *, actor: Actor = SYSTEM) -> Poll:
    """Create a poll from an admin request (one write), and record who did."""
    poll = retention.kept(new_poll(body, clock.now(), get_settings().proof_algorithm), clock.now())
    challenges.check_available(poll)
    store().create_poll(poll)
    catalog.created(poll)
    audit.record(actor, AuditAction.CREATE, poll.id, {"after": poll.admin_dict(clock.now())})
    edge.publish(poll, Counts())  # a new poll has no votes: nothing to read
    return poll


def get(poll_id: str) -> Poll:
    """Return a poll's definition (cached)."""
    return catalog.poll(poll_id)


def get_fresh(poll_id: str) -> Poll:
    """Return a poll's definition as stored now (editors see their own changes at once)."""
    return catalog.fresh_poll(poll_id)


def change(poll_id: str, body: Any, *, actor: Actor = SYSTEM) -> Poll:
    """Apply an admin PATCH: one write to the poll's definition, which votes never touch, so it never waits for them.

    The write is made over the version it was read at; if another editor changed the poll meanwhile, the change
    is made again on the poll as stored. A change of question or options needs a poll without votes (as folded).
    """
    poll = catalog.fresh_poll(poll_id)
    now = clock.now()
    before = poll.admin_dict(now)
    for _ in range(STALE_RETRIES):
        new, needs_no_votes = changed_poll(poll, body, now)
        if new.challenge is not poll.challenge:
            challenges.check_available(new)
        if needs_no_votes and store().read_view(poll_id, consistent=True).counts.voters > 0:
            raise PollHasVotes("the question and options cannot change once the poll has votes")
        new = retention.kept(new, now)
        try:
            store().change_poll(poll, new)
            break
        except StaleDefinition:
            poll = catalog.fresh_poll(poll_id)
    else:
        raise ServiceUnavailable("the poll kept changing; try again", retry_after=1)
    new = replace(new, version=poll.version + 1)
    catalog.remember(new)
    audit.record(actor, change_action(body), poll_id, changes(before, new.admin_dict(clock.now())))
    edge.publish(new)
    gone = set(poll.languages()) - set(new.languages())  # a new own language: the old one's cards go
    edge.drop_pages(poll_id, set(poll.translations) - set(new.translations), gone)
    return new


def delete(poll_id: str, *, actor: Actor = SYSTEM) -> None:
    """Delete a poll and its counters, and record who did."""
    poll = catalog.fresh_poll(poll_id)
    store().delete_poll(poll)
    catalog.gone(poll_id)
    audit.record(actor, AuditAction.DELETE, poll_id, {"before": poll.admin_dict(clock.now())})
    edge.withdraw(poll)


def _decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        poll_id = base64.urlsafe_b64decode(cursor.encode("ascii") + b"==").decode("ascii")
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidParameter("cursor is not valid") from exc
    if not POLL_ID_RE.fullmatch(poll_id):
        raise InvalidParameter("cursor is not valid")
    return poll_id


def _encode_cursor(poll_id: str) -> str:
    return base64.urlsafe_b64encode(poll_id.encode("ascii")).decode("ascii").rstrip("=")


def list_page(status: str | None, limit: str | None, cursor: str | None, search: str | None = None) -> dict[str, Any]:
    """Return one page of polls for editors, optionally filtered by status and by words of the question."""
    wanted = status_filter(status)
    words = search_filter(search)
    size = page_size(limit)
    start = _decode_cursor(cursor)
    now = clock.now()
    page: list[Poll] = []
    next_cursor = None
    for poll in store().list_polls(start):
        if (wanted is None or poll.status_at(now) is wanted) and matches(poll.question, words):
            page.append(poll)
            if len(page) == size:
                next_cursor = _encode_cursor(poll.id)
                break
    return {"polls": [p.admin_dict(now) for p in page], "next_cursor": next_cursor}
