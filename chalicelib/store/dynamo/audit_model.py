"""The audit table's schema: append-only entries keyed by poll, newest first, and a feed index of all entries."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

FEED = "all"  # every entry's feed key: admin actions are a few a minute, far below one partition's limits


class AuditFeedIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    """Every entry, newest first, for the audit page without a poll filter."""

    class Meta:
        index_name = "feed"
        projection = AllProjection()

    feed = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)


class AuditModel(Model):
    """One audit entry: partition per poll ("poll#<id>", or "site"), sorted by time."""

    class Meta:
        table_name = "poll-audit"

    stream = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)  # "<epoch ms, 13 digits>#<entry id>": sorts by time
    feed = UnicodeAttribute(default=FEED)
    actor_kind = UnicodeAttribute()
    actor = UnicodeAttribute()
    actor_id = UnicodeAttribute(null=True)
    action = UnicodeAttribute()
    poll_id = UnicodeAttribute(null=True)
    details = UnicodeAttribute()  # JSON: before and after, kept exactly as recorded
    feed_index = AuditFeedIndex()
