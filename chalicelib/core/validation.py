"""Validating poll definitions: create and change requests, ids and list parameters."""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from typing import Any

from chalicelib.core.addresses import parse_address_limit
from chalicelib.core.errors import InvalidParameter, InvalidPoll, PollNotFound
from chalicelib.core.framing import article_url, disclaimer_value
from chalicelib.core.languages import DEFAULT_LANG
from chalicelib.core.poll import (
    DEFAULT_ADDRESS_LIMIT,
    DEFAULT_BLOCK,
    DEFAULT_CHALLENGE,
    DEFAULT_IP_LIMIT,
    DEFAULT_MAX_CHOICES,
    DEFAULT_PROOF_ALGORITHM,
    DEFAULT_VISIBILITY,
    Block,
    Challenge,
    Poll,
    ProofAlgorithm,
    Status,
    Visibility,
)
from chalicelib.core.quiz import quiz_fields
from chalicelib.core.text import parse_options, question_text
from chalicelib.core.times import parse_iso
from chalicelib.core.translations import parse_translations, poll_language

POLL_ID_RE = re.compile(r"[a-z0-9-]{3,64}")
MAX_IP_LIMIT = 1_000_000
MAX_YEARS_AHEAD = 10
EARLIEST = 946684800  # 2000-01-01T00:00:00Z
CREATE_FIELDS = {
    "id",
    "kind",
    "correct",
    "question",
    "options",
    "opens_at",
    "closes_at",
    "max_choices",
    "results_visibility",
    "repeat_votes",
    "challenge",
    "proof_algorithm",
    "address_limit",
    "lang",
    "translations",
    "randomize_options",
    "disclaimer",
    "article_url",
}
PATCH_FIELDS = {
    "question",
    "options",
    "opens_at",
    "closes_at",
    "status",
    "challenge",
    "proof_algorithm",
    "address_limit",
    "lang",
    "translations",
    "randomize_options",
    "disclaimer",
    "article_url",
}
DEFAULT_PAGE, MAX_PAGE = 20, 100


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _time(field: str, value: Any, now: float) -> int | None:
    """Validate an ISO 8601 time (or null) within a sane range."""
    if value is None:
        return None
    try:
        epoch = parse_iso(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidPoll(field, "must be an ISO 8601 time such as 2026-01-31T18:00:00Z, or null") from exc
    if not EARLIEST <= epoch <= now + MAX_YEARS_AHEAD * 366 * 86400:
        raise InvalidPoll(field, f"must be between 2000 and {MAX_YEARS_AHEAD} years from now")
    return int(epoch)


def _window(opens_at: int, closes_at: int | None, now: float) -> None:
    """Check that a close time lies after the open time and in the future."""
    if closes_at is not None and closes_at <= opens_at:
        raise InvalidPoll("closes_at", "must be after opens_at")
    if closes_at is not None and closes_at <= now:
        raise InvalidPoll("closes_at", "must be in the future (set status to closed to close now)")


def _int_field(field: str, value: Any, low: int, high: int) -> int:
    if not _is_int(value) or not low <= value <= high:
        raise InvalidPoll(field, f"must be an integer from {low} to {high}")
    return int(value)


def _choice(field: str, value: Any, choices: type[Block | Visibility | Challenge | ProofAlgorithm]) -> Any:
    """Validate a value from a closed set (an enum of strings)."""
    if not isinstance(value, str) or value not in choices._value2member_map_:
        raise InvalidPoll(field, f"must be one of {', '.join(member.value for member in choices)}")
    return choices(value)


def _repeat_votes(value: Any) -> tuple[Block, int]:
    if not isinstance(value, dict):
        raise InvalidPoll("repeat_votes", "must be an object")
    unknown = set(value) - {"block", "ip_limit"}
    if unknown:
        raise InvalidPoll(f"repeat_votes.{sorted(unknown)[0]}", "unknown field")
    block = _choice("repeat_votes.block", value.get("block", DEFAULT_BLOCK), Block)
    ip_limit = _int_field("repeat_votes.ip_limit", value.get("ip_limit", DEFAULT_IP_LIMIT), 1, MAX_IP_LIMIT)
    return block, ip_limit


def _flag(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidPoll(field, "must be true or false")
    return value


def _object(body: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidPoll("body", "must be a JSON object")
    if "shards" in body:
        raise InvalidPoll("shards", "is gone: votes no longer share counters, so a poll has no shards to set")
    unknown = set(body) - allowed
    if unknown:
        raise InvalidPoll(sorted(unknown)[0], "unknown field")
    return body


def new_poll(body: Any, now: float, proof_algorithm: ProofAlgorithm = DEFAULT_PROOF_ALGORITHM) -> Poll:
    """Validate a create request into a Poll (not yet stored); `proof_algorithm` is the stage's default."""
    body = _object(body, CREATE_FIELDS)
    poll_id = body.get("id")
    if poll_id is None:
        poll_id = secrets.token_hex(6)
    elif not isinstance(poll_id, str) or not POLL_ID_RE.fullmatch(poll_id):
        raise InvalidPoll("id", "must match [a-z0-9-]{3,64}")
    if "question" not in body:
        raise InvalidPoll("question", "is required")
    question = question_text("question", body["question"])
    if "options" not in body:
        raise InvalidPoll("options", "is required")
    options = parse_options(body["options"])
    opens_at = _time("opens_at", body.get("opens_at"), now)
    opens_at = int(now) if opens_at is None else opens_at
    closes_at = _time("closes_at", body.get("closes_at"), now)
    _window(opens_at, closes_at, now)
    max_choices = _int_field("max_choices", body.get("max_choices", DEFAULT_MAX_CHOICES), 1, len(options))
    visibility = _choice("results_visibility", body.get("results_visibility", DEFAULT_VISIBILITY), Visibility)
    block, ip_limit = _repeat_votes(body.get("repeat_votes", {}))
    challenge = _choice("challenge", body.get("challenge", DEFAULT_CHALLENGE), Challenge)
    algorithm = _choice("proof_algorithm", body.get("proof_algorithm", proof_algorithm), ProofAlgorithm)
    address_limit = parse_address_limit(body["address_limit"]) if "address_limit" in body else DEFAULT_ADDRESS_LIMIT
    lang = poll_language("lang", body.get("lang", DEFAULT_LANG))
    translations = parse_translations(body.get("translations", {}), [o.id for o in options], lang)
    kind, correct = quiz_fields(body, [o.id for o in options], max_choices)
    return Poll(
        id=poll_id,
        question=question,
        options=options,
        opens_at=opens_at,
        closes_at=closes_at,
        closed=False,
        max_choices=max_choices,
        results_visibility=visibility,
        block=block,
        ip_limit=ip_limit,
        created_at=int(now),
        incarnation=secrets.token_hex(4),
        challenge=challenge,
        proof_algorithm=algorithm,
        address_limit=address_limit,
        lang=lang,
        translations=translations,
        randomize_options=_flag("randomize_options", body.get("randomize_options", False)),
        disclaimer=disclaimer_value("disclaimer", body.get("disclaimer", True)),
        article_url=article_url("article_url", body.get("article_url")),
        kind=kind,
        correct=correct,
    )


def changed_poll(poll: Poll, body: Any, now: float) -> tuple[Poll, bool]:
    """Validate a PATCH body against a poll; return the new poll and whether it may change only without votes."""
    body = _object(body, PATCH_FIELDS)
    if not body:
        raise InvalidPoll("body", f"give at least one of {', '.join(sorted(PATCH_FIELDS))}")
    new = poll
    needs_no_votes = False
    if "question" in body:
        new = replace(new, question=question_text("question", body["question"]))
        needs_no_votes = True
    if "options" in body:
        options = parse_options(body["options"])
        if new.max_choices > len(options):
            raise InvalidPoll("options", f"max_choices is {new.max_choices}; give at least that many options")
        new = replace(new, options=options)
        needs_no_votes = True
    if "opens_at" in body:
        opens_at = _time("opens_at", body["opens_at"], now)
        new = replace(new, opens_at=int(now) if opens_at is None else opens_at)
    if "closes_at" in body:
        new = replace(new, closes_at=_time("closes_at", body["closes_at"], now))
    if "status" in body:
        status = body["status"]
        if status == "closed":
            new = replace(new, closed=True, closed_at=new.closed_at if new.closed else int(now))
        elif status == "open":
            new = replace(new, closed=False, closed_at=None, opens_at=min(new.opens_at, int(now)))
            if "closes_at" not in body and new.closes_at is not None and new.closes_at <= now:
                new = replace(new, closes_at=None)
        else:
            raise InvalidPoll("status", "must be 'open' or 'closed'")
    if "challenge" in body:
        new = replace(new, challenge=_choice("challenge", body["challenge"], Challenge))
    if "proof_algorithm" in body:
        new = replace(new, proof_algorithm=_choice("proof_algorithm", body["proof_algorithm"], ProofAlgorithm))
    if "address_limit" in body:
        new = replace(new, address_limit=parse_address_limit(body["address_limit"], new.address_limit))
    if "randomize_options" in body:
        new = replace(new, randomize_options=_flag("randomize_options", body["randomize_options"]))
    if "disclaimer" in body:
        new = replace(new, disclaimer=disclaimer_value("disclaimer", body["disclaimer"]))
    if "article_url" in body:
        new = replace(new, article_url=article_url("article_url", body["article_url"]))
    new = _languages_changed(new, body)
    if "opens_at" in body or "closes_at" in body:
        _window(new.opens_at, new.closes_at, now)
    elif new.closes_at is not None and new.closes_at <= new.opens_at:
        raise InvalidPoll("closes_at", "must be after opens_at")
    return new, needs_no_votes


def _languages_changed(poll: Poll, body: dict[str, Any]) -> Poll:
    """Apply a PATCH's lang and translations (labels only: allowed with votes); re-check kept translations."""
    lang = poll_language("lang", body["lang"]) if "lang" in body else poll.lang
    if "translations" in body:
        raw: Any = body["translations"]
    elif {"lang", "options"} & set(body) and poll.translations:
        raw = poll.translations_dict()  # the options or the language changed: the kept translations must still fit
    else:
        return replace(poll, lang=lang)
    return replace(poll, lang=lang, translations=parse_translations(raw, poll.option_ids(), lang))


def validate_poll_id(poll_id: str) -> str:
    """Reject ids that cannot name a poll, without touching the store."""
    if not POLL_ID_RE.fullmatch(poll_id or ""):
        raise PollNotFound(f"no poll with id '{poll_id[:64]}'" if isinstance(poll_id, str) else "no such poll")
    return poll_id


def whole_number(raw: str | None, name: str, low: int, high: int, default: int) -> int:
    """Read a query-string count: ASCII digits only (no sign, space or other scripts' digits), within [low, high]."""
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or not low <= int(raw) <= high:
        raise InvalidParameter(f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def page_size(limit: str | None) -> int:
    """Validate the page size of a list request."""
    return whole_number(limit, "limit", 1, MAX_PAGE, DEFAULT_PAGE)


def status_filter(status: str | None) -> Status | None:
    """Validate the status filter of a list request."""
    if status is None:
        return None
    if status not in Status._value2member_map_:
        raise InvalidParameter(f"status must be one of {', '.join(member.value for member in Status)}")
    return Status(status)
