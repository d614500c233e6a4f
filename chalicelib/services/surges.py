"""Surges: the fold counts each poll's votes per minute per network and block and applies the surge rule; challenges
and votes read the levels in force from the catalog; editors list and lift them. Every step is audited.

The counting is approximate by design: the counters carry no marks, so a redelivered batch adds again, which can
only raise a key's recent votes (a higher cost for a while), never hide a surge.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from typing import Any

from chalicelib.core.addresses import surge_block
from chalicelib.core.audit import AuditAction
from chalicelib.core.errors import DomainError, InvalidJson, InvalidParameter, PollNotFound, TryAgain
from chalicelib.core.identity import Actor, ActorKind
from chalicelib.core.ledger import Contribution
from chalicelib.core.poll import Poll
from chalicelib.core.surges import MAX_SURGES, UNKNOWN_NETWORK, Surge, SurgeKind, decide, required_level
from chalicelib.runtime import clock, observability, state
from chalicelib.runtime.secrets import keyed_hash
from chalicelib.runtime.settings import get_settings
from chalicelib.services import audit, catalog
from chalicelib.store.adapters import store
from chalicelib.store.port import Published

SURGE_RULE = Actor(ActorKind.SYSTEM, "surge rule")  # the actor of the rule's audit entries
EVALUATE_EVERY = 5.0  # seconds: a process applies the rule to a poll at most this often (its one Query of counters)
KEY_PATTERNS = {SurgeKind.NETWORK: re.compile(r"[1-9][0-9]{0,9}"), SurgeKind.BLOCK: re.compile(r"[0-9a-f]{32}")}
LIFT_FIELDS = {"kind", "key", "reason"}
MAX_REASON = 500

_lock = threading.Lock()
_evaluated: dict[str, float] = {}  # poll scope -> when this process last applied the rule (monotonic)


def block_hash(poll: Poll, source_ip: str | None) -> str | None:
    """Return the opaque id of the address's /24 or /48 in a poll (hashed as a forensics source; no address kept)."""
    block = surge_block(source_ip or "")
    return None if block is None else keyed_hash("source", poll.scope, block)[:32]


def required(poll_id: str, source_ip: str | None, network: str) -> int:
    """Return the level a reader's proof must meet now, from the catalog (no request when it is warm)."""
    published = catalog.read(poll_id)[0]
    return required_level(published.surges, network, block_hash(published.poll, source_ip), clock.now())


def _keys(item: Contribution) -> list[tuple[SurgeKind, str]]:
    """Return the keys a counted ballot adds to (an unknown network or block adds to none)."""
    keys = [] if item.network == UNKNOWN_NETWORK else [(SurgeKind.NETWORK, item.network)]
    return keys + ([] if item.block is None else [(SurgeKind.BLOCK, item.block)])


def observe(poll_id: str, incarnation: str, shard: str, contributions: list[Contribution]) -> None:
    """Count one poll's new ballots of a batch per minute per key, then apply the rule to the keys they touched.

    A failure is logged and the batch goes on: the counts' exactly-once fold never waits on this signal (a minute's
    counters grown past what DynamoDB takes, or throttled, would otherwise hold the poll's counts back)."""
    added = [item for item in contributions if item.sign > 0 and _keys(item)]
    if not added:
        return
    try:
        _observe(catalog.read(poll_id)[0], incarnation, shard, added)
    except PollNotFound:
        return
    except DomainError as exc:
        observability.logger.warning("surge_failed", extra={"poll_id": poll_id, "error": exc.message})


def _observe(published: Published, incarnation: str, shard: str, added: list[Contribution]) -> None:
    """Count and apply the rule (observe's work)."""
    poll, rule, now = published.poll, get_settings().surge_rule, int(clock.now())
    if poll.incarnation != incarnation:
        return  # ballots of an earlier incarnation: that poll is gone
    horizon = now - (rule.window + rule.trailing + 1) * 60
    minutes: dict[int, Counter[tuple[SurgeKind, str]]] = {}
    for item in added:
        if item.cast_at >= horizon:
            minutes.setdefault(item.cast_at // 60 * 60, Counter()).update(_keys(item))
    for minute, adds in sorted(minutes.items()):
        store().add_to_rates(poll, shard, minute, dict(adds), minute + (rule.window + rule.trailing + 2) * 60)
    if _due(poll):
        apply_rule(poll, published.surges, {key for adds in minutes.values() for key in adds}, now)


def _due(poll: Poll) -> bool:
    """Tell whether this process should apply the rule to the poll now (at most every EVALUATE_EVERY seconds)."""
    with _lock:
        last = _evaluated.get(poll.scope)
        if last is not None and time.monotonic() - last < EVALUATE_EVERY:
            return False
        _evaluated[poll.scope] = time.monotonic()
        return True


def apply_rule(poll: Poll, stored: tuple[Surge, ...], touched: set[tuple[SurgeKind, str]], now: int) -> None:
    """Raise or extend the surges the rule finds among the touched keys; delete those that lapsed. Audited."""
    rule = get_settings().surge_rule
    current = {(s.kind, s.key): s for s in stored}
    rates = store().rates(poll, now - (rule.window + rule.trailing) * 60)
    in_force = sum(1 for s in stored if s.level_at(now) > 0)
    changed = False
    split = {key: rule.split(minutes, now) for key, minutes in rates.items()}
    totals = {kind: tuple(sum(v[i] for k, v in split.items() if k[0] is kind) for i in (0, 1)) for kind in SurgeKind}
    for kind, key in sorted(touched, key=lambda k: -sum(rates.get(k, {}).values())):
        previous = current.get((kind, key))
        poll_votes = (totals[kind][0], totals[kind][1])
        found = decide(rule, previous, (kind, key), split.get((kind, key), (0, 0)), now, poll=poll_votes)
        raised = found is not None and (previous is None or found.level > previous.level_at(now))
        if found is None or (raised and in_force >= MAX_SURGES) or not store().put_surge(poll, found, previous):
            continue
        changed = True
        observability.log_event("surge", poll_id=poll.id, surge=found.as_dict())
        if raised:
            in_force += 1
            audit.record(SURGE_RULE, AuditAction.SURGE, poll.id, found.as_dict())
    if sweep(poll, stored, now) or changed:
        catalog.forget(poll.id)


def sweep(poll: Poll, stored: tuple[Surge, ...], now: int) -> int:
    """Delete the surges (and lifts) that lapsed, each audited; return how many were deleted. The fold sweeps a
    poll it counts, the snapshot job each poll it visits (from the read it makes anyway)."""
    swept = 0
    for surge in stored:
        if surge.until <= now and store().delete_surge(poll, surge):
            swept += 1
            observability.log_event("surge_lapsed", poll_id=poll.id, surge=surge.as_dict())
            audit.record(SURGE_RULE, AuditAction.SURGE_LAPSED, poll.id, surge.as_dict())
    return swept


def report(poll: Poll) -> list[dict[str, Any]]:
    """Return the poll's surges as stored, in force or lifted (strongly consistent), highest level first."""
    found = sorted(store().surges(poll), key=lambda s: (-s.level, -s.since, s.kind.value, s.key))
    return [surge.as_dict() for surge in found]


def listing(poll_id: str) -> dict[str, Any]:
    """Return the poll's surges and the rule (GET /polls/{id}/surges)."""
    poll = catalog.fresh_poll(poll_id)
    rule = get_settings().surge_rule
    return {"poll_id": poll.id, "surges": report(poll), "rule": rule.as_dict()}


def _parse_lift(body: Any) -> tuple[SurgeKind, str, str | None]:
    """Check a lift: {"kind": "network" | "block", "key", "reason"?}."""
    if not isinstance(body, dict) or set(body) - LIFT_FIELDS:
        raise InvalidJson(f"the body must be an object with only {', '.join(sorted(LIFT_FIELDS))}")
    kinds = {kind.value for kind in SurgeKind}
    if not isinstance(body.get("kind"), str) or body["kind"] not in kinds:
        raise InvalidParameter(f"'kind' must be one of {', '.join(sorted(kinds))}")
    kind, key, reason = SurgeKind(body["kind"]), body.get("key"), body.get("reason")
    if not isinstance(key, str) or not KEY_PATTERNS[kind].fullmatch(key):
        raise InvalidParameter("'key' must be an AS number (digits) for a network, a block's 32-hex id for a block")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        raise InvalidParameter(f"'reason' must be a string of at most {MAX_REASON} characters")
    return kind, key, reason


def lift(poll_id: str, body: Any, actor: Actor) -> dict[str, Any]:
    """Lift a network's or block's surge (or keep one from starting): the rule leaves it be for SURGE_LIFT_MINUTES."""
    kind, key, reason = _parse_lift(body)
    poll = catalog.fresh_poll(poll_id)
    now = int(clock.now())
    previous = next((s for s in store().surges(poll) if (s.kind, s.key) == (kind, key)), None)
    until = now + get_settings().surge_rule.hold * 60
    lifted = Surge(kind, key, 0, now, until, lifted_by=actor.name)
    if not store().put_surge(poll, lifted, previous):
        raise TryAgain("the surge changed meanwhile; try again")
    catalog.forget(poll.id)
    before = None if previous is None else previous.as_dict()
    audit.record(actor, AuditAction.SURGE_LIFTED, poll.id, {**lifted.as_dict(), "before": before, "reason": reason})
    return {"poll_id": poll.id, "surge": lifted.as_dict(), "before": before}


def reset() -> None:
    """Forget when the rule last ran."""
    with _lock:
        _evaluated.clear()


state.register("surges", reset)
