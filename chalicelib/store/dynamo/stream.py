"""Reading the counters table's stream records (DynamoDB JSON): which polls' counts a batch changed."""

from __future__ import annotations

from typing import Any

from chalicelib.store.dynamo.keys import shard_number

COUNTED = ("counts", "voters")  # the shard attributes a results document shows


def changed_polls(records: list[dict[str, Any]]) -> list[str]:
    """Return the polls, in first-seen order, whose counts a batch of stream records changed.

    A shard added by resharding (all zeros), a window or flag change, a removal, or a key that is not a
    shard's (an unparseable record) is not a change of counts.
    """
    changed: dict[str, None] = {}
    for record in records:
        change = record.get("dynamodb") if isinstance(record, dict) else None
        if not isinstance(change, dict):
            continue
        key = ((change.get("Keys") or {}).get("pk") or {}).get("S")
        old, new = change.get("OldImage") or {}, change.get("NewImage") or {}
        if not isinstance(key, str) or not new or not isinstance(old, dict) or not isinstance(new, dict):
            continue
        if any(old.get(name) != new.get(name) for name in COUNTED) and _counts_something(new, old):
            try:
                changed[shard_number(key)[0]] = None
            except ValueError:
                continue
    return list(changed)


def _counts_something(new: dict[str, Any], old: dict[str, Any]) -> bool:
    """Tell a real change from a new, empty shard item (a new item with no votes changes nothing shown)."""
    return bool(old) or (new.get("voters") or {}).get("N", "0") != "0"
