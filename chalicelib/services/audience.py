"""A poll's audience for its editors: the folded breakdowns by country, site and surface, and voters per minute."""

from __future__ import annotations

from typing import Any

from chalicelib.core.audience import DIMENSIONS, audience_csv, breakdown
from chalicelib.core.times import to_iso
from chalicelib.runtime.settings import get_settings
from chalicelib.services import catalog
from chalicelib.store.adapters import store


def report(poll_id: str) -> dict[str, Any]:
    """Return the poll's audience, every group under AUDIENCE_MIN_GROUP voters merged into "other"."""
    poll = catalog.fresh_poll(poll_id)
    folded = store().audience(poll)
    option_ids = [option.id for option in poll.options]
    min_group = get_settings().audience_min_group
    found: dict[str, Any] = {"poll_id": poll.id, "min_group": min_group}
    for letter, name in DIMENSIONS.items():
        found[name] = breakdown(folded.groups[letter], option_ids, min_group)
    found["minutes"] = [{"minute": to_iso(m), "voters": n} for m, n in sorted(folded.minutes.items()) if n > 0]
    return found


def report_csv(poll_id: str) -> bytes:
    """Return the poll's audience report as CSV."""
    found = report(poll_id)
    return audience_csv(found, [option.id for option in catalog.fresh_poll(poll_id).options])
