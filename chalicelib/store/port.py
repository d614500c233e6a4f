"""The storage port: what the services need from a store and an archive, as typing Protocols."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.core.audit import AuditEntry
from chalicelib.core.counts import Counts
from chalicelib.core.forensics import BallotRecord, VoidRecord
from chalicelib.core.poll import Poll


@dataclass(frozen=True)
class WindowCount:
    """An address prefix's vote counter for one window: its keyed hash, the allowance, when it may go."""

    key_hash: str
    limit: int
    expires_at: int


@dataclass(frozen=True)
class SpentProof:
    """A proof of work a vote spends: its identity (put-if-absent) and when its challenge expires."""

    proof_id: str
    expires_at: int


@dataclass(frozen=True)
class VoteWrite:
    """Everything one vote transaction writes; the voter's and address's identities are keyed hashes."""

    poll: Poll
    options: list[str]
    shard: int
    now: int
    request_id: str
    voter_hash: str | None  # a ballot is written, put-if-absent, when set
    address_hash: str | None  # the address counter is checked and bumped when set
    expires_at: int
    source_hash: str | None = None  # kept on the ballot for forensics
    window: WindowCount | None = None  # checked and bumped when set
    proof: SpentProof | None = None  # put-if-absent when set


@dataclass(frozen=True)
class DuePoll:
    """A poll the snapshot job must visit, with what its last snapshot showed."""

    poll: Poll
    signature: str | None
    snapshot_at: int | None


class PollStore(Protocol):
    """Poll definitions and their shards' windows."""

    def create_poll(self, poll: Poll) -> None:
        """Store a new poll and its zeroed shards; PollExists if the id is taken."""

    def get_poll(self, poll_id: str) -> Poll:
        """Read a poll's definition; PollNotFound if there is none."""

    def list_polls(self, cursor: str | None) -> Iterator[Poll]:
        """Yield polls in the store's own order, starting after the poll id `cursor`."""

    def replace_poll(self, old: Poll, new: Poll, reset_counts: bool) -> None:
        """Write a changed definition to the poll and its shards (PollHasVotes if counts must reset but cannot).

        Raises StaleDefinition when the stored poll no longer matches `old` (so no shard is left behind).
        """

    def add_shards(self, poll: Poll, shards: int) -> None:
        """Create shards poll.shards..shards-1 (at most SHARDS_PER_STEP) and publish the count, atomically.

        Raises StaleDefinition when the stored poll no longer matches `poll` (another change won).
        """

    def claim_reshard(self, poll: Poll, window_start: int) -> bool:
        """Claim the automatic resharding of a poll for the window starting at window_start; False if taken."""

    def delete_poll(self, poll: Poll) -> None:
        """Delete a poll and its shards."""

    def due_polls(self) -> list[DuePoll]:
        """Return the polls the snapshot job must visit."""

    def mark_snapshot(self, poll: Poll, signature: str, snapshot_at: int, final: bool) -> None:
        """Record what a snapshot showed; a final one takes the poll off the snapshot job's list."""


class CountStore(Protocol):
    """The shard counters."""

    def read_counts(self, poll_id: str, shards: range, with_poll: bool) -> tuple[Poll | None, Counts]:
        """Sum some of a poll's shards, reading the poll in the same request when asked."""

    def read_many_counts(self, polls: list[Poll], consistent: bool) -> dict[str, Counts | None]:
        """Sum the shards of many polls; None for a poll with no shards left."""

    def shard_counts(self, poll_id: str, shards: int) -> dict[int, Counts]:
        """Return each existing shard's counts by shard number."""

    def replace_shard_counts(self, poll: Poll, shard: int, seen: Counts, counts: Counts) -> bool:
        """Overwrite one shard's counts if it still holds `seen`; False if votes arrived meanwhile."""


class BallotStore(Protocol):
    """Ballots and the vote transaction."""

    def write_vote(self, vote: VoteWrite) -> None:
        """Commit one vote atomically (ballot, shard counts, address counter) or raise VoteRejected."""

    def ballot_exists(self, poll: Poll, voter_hash: str) -> bool:
        """Tell whether this voter has a ballot in the poll."""

    def ballots_in_shard(self, poll: Poll, shard: int) -> Iterator[list[str]]:
        """Yield the chosen options of every ballot counted in one of the poll's shards."""

    def ballot_records(self, poll: Poll, shard: int) -> Iterator[BallotRecord]:
        """Yield every counted (not voided) ballot of one of the poll's shards, with its source and minute."""

    def void_ballots(self, poll: Poll, record: VoidRecord, ballots: list[BallotRecord]) -> list[BallotRecord]:
        """Void ballots: take their votes off their shards and add them to the void's record, atomically per batch.

        Ballots voided meanwhile are skipped; returns the ballots this call voided. A voided ballot
        stays, so its voter cannot vote again. Raises PollNotFound when the poll was deleted or re-created.
        """

    def voids(self, poll: Poll) -> list[VoidRecord]:
        """Return the poll's void records."""


class Store(PollStore, CountStore, BallotStore, Protocol):
    """Everything the services need from the database."""


class Archive(Protocol):
    """The results bucket."""

    def put(self, key: str, body: bytes, content_type: str, cache_control: str, tags: str | None = None) -> None:
        """Write one object (ArchiveError on failure)."""

    def get_json(self, key: str) -> Any:
        """Read a JSON object, or None when there is none (ArchiveError on failure)."""

    def delete(self, keys: list[str]) -> None:
        """Delete objects (absent ones are no error)."""

    def list_keys(self, prefix: str) -> list[str]:
        """Return every key under a prefix, in key order (ArchiveError on failure)."""


@dataclass(frozen=True)
class AuditPage:
    """One page of audit entries, newest first, and where the next page starts (None: no more)."""

    entries: list[AuditEntry]
    next_key: dict[str, str] | None


class AuditLog(Protocol):
    """The append-only audit log: entries are added and read, never changed or removed."""

    def append(self, entry: AuditEntry) -> None:
        """Add an entry (never overwriting one)."""

    def page(self, poll_id: str | None, limit: int, start: dict[str, str] | None) -> AuditPage:
        """Read entries newest first: one poll's (by its key), or every entry (through the feed index)."""


SHARDS_PER_STEP = 99  # new shards one atomic step adds: they and the poll item fill one 100-item transaction


class StaleDefinition(Exception):
    """The stored poll changed since it was read (its shard count or window): read it again and retry."""


class ArchiveError(Exception):
    """Writing or reading an archived object failed."""
