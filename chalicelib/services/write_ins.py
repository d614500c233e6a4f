"""Write-in answers: their ids in a vote, the editors' moderation queue, and decisions (each audited)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.errors import InvalidOption, ServiceUnavailable, WriteInNotFound
from chalicelib.core.identity import SYSTEM, Actor
from chalicelib.core.poll import Poll
from chalicelib.core.votes import VoteRequest
from chalicelib.core.write_in_decisions import decided, parse_decision
from chalicelib.core.write_in_screen import screen
from chalicelib.core.write_ins import ANSWER_ID_RE, ANSWER_PREFIX, UNLISTED, Answer, WriteIn
from chalicelib.runtime.secrets import keyed_hash
from chalicelib.runtime.settings import get_settings
from chalicelib.services import audit, catalog, edge
from chalicelib.store.adapters import store
from chalicelib.store.port import StaleDefinition

STALE_RETRIES = 5
ANSWER_HASH_CHARS = 12


def answer_id(poll: Poll, write_in: WriteIn) -> str:
    """Return a write-in's answer id: a short keyed hash of its matching form in this poll (one id per answer)."""
    return ANSWER_PREFIX + keyed_hash("write-in", poll.scope, write_in.match)[:ANSWER_HASH_CHARS]


def chosen(poll: Poll, request: VoteRequest) -> list[str]:
    """Return what a vote counts: its options and, for a write-in, the answer's id (counted like an option)."""
    if request.other is None:
        return list(request.options)
    found = answer_id(poll, request.other)
    if found in request.options:
        raise InvalidOption("the written-in answer is also chosen as an option")
    return [*request.options, found]


def _entry(poll: Poll, answer: Answer, votes: dict[str, int]) -> dict[str, Any]:
    """Return one answer as the queue shows it, with its votes (as folded) and why it was auto-rejected, if so."""
    reason = screen(answer.text, poll.lang)
    return answer.as_dict(votes.get(answer.id, 0), reason is not None, None if reason is None else reason.value)


def queue(poll_id: str) -> dict[str, Any]:
    """Return a poll's write-in answers, most votes first, each with its status, first and last seen, spellings."""
    view = store().read_view(catalog.fresh_poll(poll_id).id, consistent=True)
    votes = view.counts.votes
    answers = [_entry(view.poll, answer, votes) for answer in store().answers(view.poll)]
    answers.sort(key=lambda entry: (-entry["votes"], entry["first"], entry["id"]))
    return {"answers": answers, "limit": get_settings().write_in_limit, "unlisted_votes": votes.get(UNLISTED, 0)}


def _find(poll: Poll, answer_id: str) -> Answer:
    """Return an answer of the poll's queue, or raise WriteInNotFound."""
    if ANSWER_ID_RE.fullmatch(answer_id):
        for answer in store().answers(poll):
            if answer.id == answer_id:
                return answer
    raise WriteInNotFound(f"no write-in answer '{answer_id[:40]}' in poll '{poll.id}'")


def decide(poll_id: str, answer_id: str, body: Any, *, actor: Actor = SYSTEM) -> dict[str, Any]:
    """Apply an editor's decision (approve, merge, reject) to an answer; return the answer as it now stands."""
    decision = parse_decision(body)
    poll = catalog.fresh_poll(poll_id)
    answer = _find(poll, answer_id)
    before = _entry(poll, answer, {})["status"]
    for _ in range(STALE_RETRIES):
        new, now_answer = decided(poll, answer, decision)
        try:
            if new != poll:
                store().change_poll(poll, new)
                new = replace(new, version=poll.version + 1)
            break
        except StaleDefinition:
            poll = catalog.fresh_poll(poll_id)
    else:
        raise ServiceUnavailable("the poll kept changing; try again", retry_after=1)
    if not store().decide_answer(new, now_answer):
        raise WriteInNotFound(f"no write-in answer '{answer_id}' in poll '{poll_id}'")
    catalog.remember(new)
    details = {"answer": answer.id, "action": decision.action.value, "before": before, "into": now_answer.into}
    audit.record(actor, AuditAction.WRITE_IN, poll_id, {**details, "label": now_answer.label})
    edge.publish(new)
    votes = store().read_view(poll_id, consistent=True).counts.votes
    return _entry(new, now_answer, votes)
