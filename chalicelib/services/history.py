"""A poll's votes over time, read from the snapshot job's per-minute history objects, for the console's chart."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.core.times import parse_iso
from chalicelib.core.validation import whole_number
from chalicelib.services import catalog
from chalicelib.services.edge import PRIVATE_PREFIX, PUBLIC_PREFIX
from chalicelib.store.adapters import archive

DEFAULT_POINTS, MAX_POINTS = 120, 1440
READERS = 8  # objects read at once


def _points(raw: str | None) -> int:
    return whole_number(raw, "points", 2, MAX_POINTS, DEFAULT_POINTS)


def spread(items: list[str], count: int) -> list[str]:
    """Pick `count` items evenly spaced through a sorted list, the first and the last included."""
    if len(items) <= count:
        return items
    picked = {round(i * (len(items) - 1) / (count - 1)) for i in range(count)}
    return [items[i] for i in sorted(picked)]


def _point(document: Any, created_at: int) -> dict[str, Any] | None:
    """Turn one history snapshot into a chart point (None for another incarnation's or a malformed one)."""
    try:
        at = str(document["snapshot_at"])
        if parse_iso(at) < created_at - 60:
            return None  # left by an earlier poll with the same id
        votes = {str(o["id"]): int(o["votes"]) for o in document["options"]}
        return {"at": at, "total_voters": int(document["total_voters"]), "options": votes}
    except (KeyError, TypeError, ValueError):
        return None


def history(poll_id: str, points: str | None = None) -> dict[str, Any]:
    """Return up to `points` per-minute points of a poll's voters and votes by option, oldest first.

    Every minute's object is listed (public and private prefixes: a poll moves between them when its
    visibility allows); at most `points` of them, evenly spread over the poll's life, are read.
    """
    wanted = _points(points)
    poll = catalog.fresh_poll(poll_id)
    keys: dict[str, str] = {}
    for prefix in (PUBLIC_PREFIX, PRIVATE_PREFIX):
        for key in archive().list_keys(f"{prefix}/{poll.id}/history/"):
            keys[key.rsplit("/", 1)[-1]] = key
    minutes = sorted(keys)
    chosen = [keys[minute] for minute in spread(minutes, wanted)]
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        documents = list(pool.map(archive().get_json, chosen))
    found = [_point(document, poll.created_at) for document in documents]
    return {
        "poll_id": poll.id,
        "options": [{"id": o.id, "label": o.label} for o in poll.options],
        "minutes": len(minutes),
        "points": [point for point in found if point is not None],
    }
