"""PynamoDB models, the tables' schemas: polls (definitions, with their tallies beside them), ballots, guards.

These classes name no table: `tables.bind()` makes subclasses of them bound to one stage's tables, region and
endpoint when the store is built, and infra/ reads their key schemas and indexes to define the tables.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.core.poll import DEFAULT_BLOCK, DEFAULT_IP_LIMIT, DEFAULT_MAX_CHOICES, DEFAULT_VISIBILITY

DEFINITION = "poll"  # the sort key of a poll's definition item; its tallies sort after it ("t#...")


class OptionMap(MapAttribute):  # type: ignore[type-arg]
    """One answer of a poll."""

    id = UnicodeAttribute()
    label = UnicodeAttribute()


class SnapshotDueIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    """Sparse index of the polls the snapshot job must visit (open, closed but not yet final, or with work left)."""

    class Meta:
        index_name = "snapshot-due"
        projection = AllProjection()

    snapshot_due = UnicodeAttribute(hash_key=True)


class PollModel(Model):
    """A poll's definition: the item (id, "poll") of the polls table, whose other items are the poll's tallies.

    Under the same partition key: the tallies ("t#<incarnation>#<stream shard>"), the base tally
    ("t#<incarnation>"), each stream shard's marker ("x#..."), the void records ("v#<void id>") and the surges
    ("poll~s#<kind>#<key>"): a results read is one Query of the poll's partition from "poll" to "t~". The
    poll's votes per minute per network and block are in a partition of their own ("<id>#v"), and expire.
    """

    class Meta:
        table_name = "polls"

    id = UnicodeAttribute(hash_key=True)
    part = UnicodeAttribute(range_key=True, default=DEFINITION)
    question = UnicodeAttribute()
    options = ListAttribute(of=OptionMap)
    opens_at = NumberAttribute()
    closes_at = NumberAttribute(null=True)
    closed = BooleanAttribute(default=False)
    closed_at = NumberAttribute(null=True)  # when an editor closed it
    max_choices = NumberAttribute(default=DEFAULT_MAX_CHOICES)
    results_visibility = UnicodeAttribute(default=DEFAULT_VISIBILITY.value)
    block = UnicodeAttribute(default=DEFAULT_BLOCK.value)
    ip_limit = NumberAttribute(default=DEFAULT_IP_LIMIT)
    created_at = NumberAttribute()
    # The poll's incarnation (Poll.incarnation): a random id, not a time. Stored as "epoch".
    epoch = UnicodeAttribute()
    version = NumberAttribute(default=0)  # counts the definition's changes: a change is written over its version
    # Every ballot of the poll is kept at least until keep_until; kept_until is how far the ballots already are
    # (a refresh through the by-poll index is under way while it is lower, from keep_cursor).
    keep_until = NumberAttribute(null=True)
    kept_until = NumberAttribute(null=True)
    expires_at = TTLAttribute(null=True)  # set on the votes per minute (store/dynamo/surges.py) only
    keep_cursor = UnicodeAttribute(null=True)  # JSON: {"bucket", "key"}
    voids_running = UnicodeSetAttribute(null=True)  # the void ids the snapshot job carries on
    # Present ("due") until the poll's final snapshot after it closes: keeps the index sparse.
    snapshot_due = UnicodeAttribute(null=True)
    snapshot_signature = UnicodeAttribute(null=True)  # what the last snapshot showed
    snapshot_at = NumberAttribute(null=True)
    # No defaults on purpose: a poll stored before these existed reads as challenge none and no address
    # limit (a PynamoDB default would be applied to old items too); new polls always write them.
    challenge = UnicodeAttribute(null=True)
    proof_algorithm = UnicodeAttribute(null=True)  # absent: pbkdf2, the one proof of work before scrypt
    address_votes = NumberAttribute(null=True)
    address_minutes = NumberAttribute(null=True)
    address_blocks = MapAttribute(null=True)  # type: ignore[var-annotated]  # block -> {"votes", "minutes"}; absent: none
    # Languages: absent on polls stored before them (English, no translations, the poll's own order).
    lang = UnicodeAttribute(null=True)
    translations = MapAttribute(null=True)  # type: ignore[var-annotated]  # tag -> {"question", "options": {id: label}}
    randomize_options = BooleanAttribute(null=True)
    # The disclaimer: custom text, or off; neither (as on polls stored before it) is the standard text.
    disclaimer_text = UnicodeAttribute(null=True)
    disclaimer_off = BooleanAttribute(null=True)
    article_url = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)  # absent: a plain poll
    correct = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[var-annotated]  # a quiz poll's right ids
    expires_at = TTLAttribute(null=True)  # only a stream shard's marker expires (a definition never does)
    snapshot_index = SnapshotDueIndex()


class ByPollIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    """A poll's ballots, spread over INDEX_BUCKETS keys ("<poll>/<incarnation>#<bucket>") and sorted by time."""

    class Meta:
        index_name = "by-poll"
        projection = IncludeProjection(
            ["options", "src", "voided_at", "expires_at", "cty", "site", "surf", "net", "blk"]
        )

    pb = UnicodeAttribute(hash_key=True)
    at = NumberAttribute(range_key=True)


class BallotModel(Model):
    """One ballot: keyed by a keyed hash of (poll, voter) ("b#"), or of (poll, request) ("r#") when repeats count.

    The ballots table is the ledger: its stream is folded into the polls' tallies.
    """

    class Meta:
        table_name = "poll-ballots"

    pk = UnicodeAttribute(hash_key=True)
    poll = UnicodeAttribute()
    inc = UnicodeAttribute()  # the poll's incarnation
    options = ListAttribute(of=UnicodeAttribute)  # type: ignore[var-annotated]
    request_id = UnicodeAttribute()  # lets a retried request recognise its own committed ballot
    at = NumberAttribute()  # server time of the vote, to the second
    src = UnicodeAttribute(null=True)  # keyed hash of (poll, address prefix): forensics' source id
    # The audience (absent on ballots cast before it): country code, embedding site's registrable domain, surface.
    cty = UnicodeAttribute(null=True)
    site = UnicodeAttribute(null=True)
    surf = UnicodeAttribute(null=True)
    # Surges (absent on ballots cast before them): the reader's AS number and a keyed hash of its /24 or /48.
    net = UnicodeAttribute(null=True)
    blk = UnicodeAttribute(null=True)
    pb = UnicodeAttribute()  # the by-poll index key
    voided_at = NumberAttribute(null=True)
    void_id = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()
    by_poll = ByPollIndex()


class GuardModel(Model):
    """A counter or marker that guards votes, keyed by a keyed hash: an address in a poll ("ip#"), an address
    prefix in one window ("aw#"), or a spent proof of work ("pow#" + its challenge's signature)."""

    class Meta:
        table_name = "poll-guards"

    pk = UnicodeAttribute(hash_key=True)
    n = NumberAttribute(null=True)
    expires_at = TTLAttribute()
