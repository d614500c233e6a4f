"""The edge documents the CDN serves from the bucket: each poll's public document, its results and its hosted page."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class StreamReport:
    """What one batch of the counters table's stream did."""

    records: int = 0
    changed_polls: list[str] = field(default_factory=list)
    written: int = 0
    skipped: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return asdict(self)


def publish_changed(records: list[dict[str, Any]]) -> StreamReport:
    """Rewrite the results documents of the polls whose counts changed in a batch of stream records."""
    raise NotImplementedError  # written next: see the commit after this one
