"""A poll's audience for its editors: the folded breakdowns by country, site and surface, and voters over time."""

from __future__ import annotations

from typing import Any

from chalicelib.core.audience import DIMENSIONS, Noise, audience_csv, breakdown, hour_of, jitter, no_noise, state_digest
from chalicelib.core.poll import Poll
from chalicelib.core.times import to_iso
from chalicelib.runtime.secrets import keyed_hash
from chalicelib.runtime.settings import get_settings
from chalicelib.services import catalog
from chalicelib.store.adapters import store

MINUTE_HOURS = 48  # minutes this close to the last are given one by one; earlier ones by the hour


def _noise(poll: Poll, digest: str, amount: int) -> Noise:
    """Return the stage's keyed noise for this state of the poll's audience (none when AUDIENCE_NOISE is 0)."""
    if amount <= 0:
        return no_noise

    def noise(key: str, name: str) -> int:
        return jitter(bytes.fromhex(keyed_hash("audience", poll.scope, digest, key, name)), amount)

    return noise


def report(poll_id: str) -> dict[str, Any]:
    """Return the poll's audience: every count moved by keyed noise of mean size AUDIENCE_NOISE, groups showing
    fewer than AUDIENCE_MIN_GROUP voters merged into "other"; voters per minute for the 48 hours up to the last vote,
    per hour before."""
    return _report(catalog.fresh_poll(poll_id))


def _report(poll: Poll) -> dict[str, Any]:
    """Return a poll's audience report (see `report`)."""
    folded = store().audience(poll)
    option_ids = [option.id for option in poll.options]
    settings = get_settings()
    noise = _noise(poll, state_digest(folded), settings.audience_noise)
    found: dict[str, Any] = {"poll_id": poll.id, "min_group": settings.audience_min_group}
    found["noise"] = settings.audience_noise
    for letter, name in DIMENSIONS.items():
        found[name] = breakdown(folded.groups[letter], option_ids, settings.audience_min_group, noise)
    counted = sorted((m, n) for m, n in folded.minutes.items() if n > 0)
    start = counted[-1][0] - MINUTE_HOURS * 3600 if counted else 0
    hours: dict[int, int] = {}
    for minute, n in counted:
        if minute < start:
            hours[hour_of(minute)] = hours.get(hour_of(minute), 0) + n
    found["minutes"] = [{"minute": to_iso(m), "voters": n} for m, n in counted if m >= start]
    found["hours"] = [{"hour": to_iso(h), "voters": n} for h, n in sorted(hours.items())]
    return found


def report_csv(poll_id: str) -> bytes:
    """Return the poll's audience report as CSV."""
    poll = catalog.fresh_poll(poll_id)  # read once: the report and its columns come from the same definition
    return audience_csv(_report(poll), [option.id for option in poll.options])
