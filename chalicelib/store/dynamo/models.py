"""PynamoDB models: polls, vote-count shards, and ballots (with the per-address counters beside them)."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.core.poll import (
    DEFAULT_BLOCK,
    DEFAULT_IP_LIMIT,
    DEFAULT_MAX_CHOICES,
    DEFAULT_SHARDS,
    DEFAULT_VISIBILITY,
)
from chalicelib.runtime.settings import Settings


class OptionMap(MapAttribute):  # type: ignore[type-arg]
    """One answer of a poll."""

    id = UnicodeAttribute()
    label = UnicodeAttribute()


class SnapshotDueIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    """Sparse index of the polls the snapshot job must visit (open, or closed but not yet final)."""

    class Meta:
        index_name = "snapshot-due"
        projection = AllProjection()

    snapshot_due = UnicodeAttribute(hash_key=True)


class PollModel(Model):
    """A poll's definition; one item per poll in the polls table, keyed by the poll id."""

    class Meta:
        table_name = "polls"
        region = "us-east-1"

    id = UnicodeAttribute(hash_key=True)
    question = UnicodeAttribute()
    options = ListAttribute(of=OptionMap)
    opens_at = NumberAttribute()
    closes_at = NumberAttribute(null=True)
    closed = BooleanAttribute(default=False)
    max_choices = NumberAttribute(default=DEFAULT_MAX_CHOICES)
    results_visibility = UnicodeAttribute(default=DEFAULT_VISIBILITY.value)
    block = UnicodeAttribute(default=DEFAULT_BLOCK.value)
    ip_limit = NumberAttribute(default=DEFAULT_IP_LIMIT)
    shards = NumberAttribute(default=DEFAULT_SHARDS)
    created_at = NumberAttribute()
    # The poll's incarnation (Poll.incarnation): a random id, not a time. Stored as "epoch".
    epoch = UnicodeAttribute()
    # Present ("due") until the poll's final snapshot after it closes: keeps the index sparse.
    snapshot_due = UnicodeAttribute(null=True)
    snapshot_signature = UnicodeAttribute(null=True)  # what the last snapshot showed
    snapshot_at = NumberAttribute(null=True)
    resharded_at = NumberAttribute(null=True)  # the start of the last window automatic resharding was claimed
    # No defaults on purpose: a poll stored before these existed reads as challenge none and no address
    # limit (a PynamoDB default would be applied to old items too); new polls always write them.
    challenge = UnicodeAttribute(null=True)
    address_votes = NumberAttribute(null=True)
    address_minutes = NumberAttribute(null=True)
    # Languages: absent on polls stored before them (English, no translations, the poll's own order).
    lang = UnicodeAttribute(null=True)
    translations = MapAttribute(null=True)  # type: ignore[var-annotated]  # tag -> {"question", "options": {id: label}}
    randomize_options = BooleanAttribute(null=True)
    snapshot_index = SnapshotDueIndex()


class ShardModel(Model):
    """One of a poll's vote-count shards; its own partition key, so a hot poll spreads its writes.

    Each shard also carries the poll's open window and closed flag, which the vote
    transaction's condition checks, so no vote lands outside the window.
    """

    class Meta:
        table_name = "poll-counters"
        region = "us-east-1"

    pk = UnicodeAttribute(hash_key=True)  # "{poll_id}#{shard:03d}"
    counts = MapAttribute(default=dict)  # type: ignore[var-annotated]  # option id -> votes
    voters = NumberAttribute(default=0)
    opens_at = NumberAttribute()
    closes_at = NumberAttribute(null=True)
    closed = BooleanAttribute(default=False)
    epoch = UnicodeAttribute()  # the poll's incarnation


class BallotSlotIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    """Ballots by poll and shard ("slot"), so a recount reads a poll's ballots without a scan."""

    class Meta:
        index_name = "by-slot"
        projection = IncludeProjection(["options"])

    slot = UnicodeAttribute(hash_key=True)


class BallotModel(Model):
    """One voter's ballot in one poll, keyed by a keyed hash of (poll, voter token).

    The ballots table also holds IpCounterModel items: both are short-lived dedupe
    records with the same retention and TTL, told apart by their key prefix.
    """

    class Meta:
        table_name = "poll-ballots"
        region = "us-east-1"

    pk = UnicodeAttribute(hash_key=True)  # "b#" + HMAC
    # "{poll_id}/{epoch}#{shard:03d}": the shard the vote was added to; removed when the ballot is voided,
    # so it leaves the by-slot index (recounts and forensics) but still blocks its voter.
    slot = UnicodeAttribute(null=True)
    options = ListAttribute(of=UnicodeAttribute)  # type: ignore[var-annotated]
    request_id = UnicodeAttribute()  # lets a retried request recognise its own committed ballot
    voted_at = NumberAttribute()  # the minute of the vote (epoch seconds, a multiple of 60)
    src = UnicodeAttribute(null=True)  # keyed hash of (poll, address prefix): forensics' source id
    voided_at = NumberAttribute(null=True)
    void_id = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()
    slot_index = BallotSlotIndex()


class IpCounterModel(Model):
    """Votes from one address in one poll ("ip#" + HMAC) or from one prefix in one window ("aw#" + HMAC)."""

    class Meta:
        table_name = "poll-ballots"
        region = "us-east-1"

    pk = UnicodeAttribute(hash_key=True)
    n = NumberAttribute(default=0)
    expires_at = TTLAttribute()


class ProofModel(Model):
    """A spent proof of work ("pow#" + its challenge's signature), kept until the challenge expires."""

    class Meta:
        table_name = "poll-ballots"
        region = "us-east-1"

    pk = UnicodeAttribute(hash_key=True)
    expires_at = TTLAttribute()


class VoidModel(Model):
    """What one void removed from a poll; its slot ("{scope}#voids") lists it through the by-slot index."""

    class Meta:
        table_name = "poll-ballots"
        region = "us-east-1"

    pk = UnicodeAttribute(hash_key=True)  # "v#" + HMAC of (poll incarnation, void id)
    slot = UnicodeAttribute()
    void_id = UnicodeAttribute()
    source = UnicodeAttribute()
    start = NumberAttribute(null=True)
    end = NumberAttribute(null=True)
    reason = UnicodeAttribute()
    voided = NumberAttribute(default=0)
    counts = MapAttribute(default=dict)  # type: ignore[var-annotated]  # option id -> votes removed
    at = NumberAttribute()
    expires_at = TTLAttribute()


ALL_MODELS: tuple[type[Model], ...] = (PollModel, ShardModel, BallotModel, IpCounterModel, ProofModel, VoidModel)


def bind(settings: Settings) -> None:
    """Point every model at the stage's tables, region and endpoint."""
    tables = {
        PollModel: settings.polls_table,
        ShardModel: settings.counters_table,
        BallotModel: settings.ballots_table,
        IpCounterModel: settings.ballots_table,
        ProofModel: settings.ballots_table,
        VoidModel: settings.ballots_table,
    }
    for model, table in tables.items():
        model.Meta.table_name = table
        model.Meta.region = settings.region
        model.Meta.host = settings.endpoint_url
        model._connection = None
