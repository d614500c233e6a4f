"""An in-memory AuditLog for the unit tier: append-only, newest first, per poll or all."""

from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.core.audit import AuditEntry
from chalicelib.store.port import AuditPage


@dataclass
class MemoryAuditLog:
    """The AuditLog port over a list; `broken` makes appends fail as a store outage would."""

    entries: list[AuditEntry] = field(default_factory=list)
    broken: bool = False

    def append(self, entry: AuditEntry) -> None:
        """Add an entry."""
        from chalicelib.core.errors import ServiceUnavailable

        if self.broken:
            raise ServiceUnavailable("the poll store is unavailable, try again shortly")
        self.entries.append(entry)

    def page(self, poll_id: str | None, limit: int, start: dict[str, str] | None) -> AuditPage:
        """Read entries newest first; the key is the position reached."""
        chosen = [e for e in reversed(self.entries) if poll_id is None or e.poll_id == poll_id]
        offset = int(start["at_id"]) if start else 0
        page = chosen[offset : offset + limit]
        more = offset + limit < len(chosen)
        return AuditPage(entries=page, next_key={"at_id": str(offset + limit)} if more else None)
