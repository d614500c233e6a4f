"""The storage port: what the services need from a store and an archive, as typing Protocols."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from chalicelib.core.audience import NOWHERE, Audience, Dimensions
from chalicelib.core.audit import AuditEntry
from chalicelib.core.counts import Counts
from chalicelib.core.forensics import BallotRecord, VoidRecord
from chalicelib.core.ledger import AudienceDelta, Base, Contribution, Delta, Lane, Tally, total
from chalicelib.core.poll import Poll
from chalicelib.core.surges import Surge
from chalicelib.core.votes import OwnBallot
from chalicelib.store.surge_port import SurgeStore
from chalicelib.store.write_in_port import WriteInStore


@dataclass(frozen=True)
class WindowCount:
    """An address prefix's (or block's) vote counter for one window: its keyed hash, the allowance, the window's end."""

    key_hash: str
    limit: int
    ends_at: int

    @property
    def expires_at(self) -> int:
        """Return when the counter may go: a minute after its window."""
        return self.ends_at + 60


@dataclass(frozen=True)
class SpentProof:
    """A proof of work a vote spends: its identity (put-if-absent) and when its challenge expires."""

    proof_id: str
    expires_at: int
    token_id: str | None = None  # the Private Access Token that made the challenge cheaper: put-if-absent too
    token_expires_at: int = 0  # when no challenge the token can still buy is valid


@dataclass(frozen=True)
class VoteWrite:
    """Everything one vote writes, every item keyed by the voter (or the request): never an item of the poll's."""

    poll: Poll
    options: list[str]
    now: int
    request_id: str
    ballot_hash: str  # keyed hash of (poll, voter), or of (poll, request) when the poll keeps no voters apart
    by_request: bool  # the ballot is keyed by the request (blocking `none`)
    expires_at: int
    source_hash: str | None = None  # kept on the ballot for forensics
    address_hash: str | None = None  # the per-address counter (voter_and_ip), checked and bumped when set
    windows: tuple[WindowCount, ...] = ()  # the prefix's window counter and its blocks', each checked and bumped
    proof: SpentProof | None = None  # put-if-absent when set
    dimensions: Dimensions = NOWHERE  # where the vote came from (audience), kept on the ballot
    network: str = "unknown"  # the reader's AS number as CloudFront saw it (surges), kept on the ballot
    right: bool = False  # a quiz's ballot that chose exactly the correct options: marked "ok", counted by the fold
    block_hash: str | None = None  # keyed hash of the reader's /24 or /48 (surges), kept on the ballot
    other: str | None = None  # a write-in's text as the reader typed it (normalised), kept on the ballot


@dataclass(frozen=True)
class PollView:
    """A poll's definition and its tallies, read together in one request; `counts` adds them up."""

    poll: Poll
    base: Base = field(default_factory=Base)
    tallies: tuple[Tally, ...] = ()
    surges: tuple[Surge, ...] = ()  # the poll's surges, in the same read (core/surges.py)

    @property
    def counts(self) -> Counts:
        """Return the folded counts of the poll's current incarnation."""
        return total(self.base, self.tallies)


@dataclass(frozen=True)
class Published:
    """A poll's definition and its results as the publisher last summed them (one small read for the API)."""

    poll: Poll
    counts: Counts = field(default_factory=Counts)
    at: float | None = None  # when the publisher read the tallies it summed (None: never, the poll has no votes)
    surges: tuple[Surge, ...] = ()  # the poll's surges as stored (core/surges.py)


@dataclass(frozen=True)
class DuePoll:
    """A poll the snapshot job must visit: what its last snapshot showed, and the work it carries on for the poll."""

    poll: Poll
    signature: str | None
    snapshot_at: int | None
    kept_until: int | None = None  # how far the ballots' expiry was refreshed (below poll.keep_until: go on)
    keep_cursor: dict[str, Any] | None = None  # where that refresh goes on
    voids_running: list[str] = field(default_factory=list)  # voids to carry on


@dataclass(frozen=True)
class TallyState:
    """Why a tally did not take a delta: it is absent, sealed, or has applied records up to `mark`."""

    exists: bool
    sealed: bool = False
    mark: str | None = None


@dataclass
class BallotBatch:
    """One batch of the ballots table's stream: the stream shard that carried it and what its records count."""

    shard: str | None
    records: int = 0
    contributions: list[Contribution] = field(default_factory=list)


@dataclass(frozen=True)
class IndexPage:
    """One page of a poll's ballots from one bucket of the by-poll index, and where the next page starts."""

    ballots: list[BallotRecord]
    next_key: dict[str, Any] | None


class PollStore(Protocol):
    """Poll definitions, each with its tallies under the same partition key."""

    def create_poll(self, poll: Poll) -> None:
        """Store a new poll (one PutItem); PollExists if the id is taken."""

    def get_poll(self, poll_id: str) -> Poll:
        """Read a poll's definition; PollNotFound if there is none."""

    def read_view(self, poll_id: str, consistent: bool) -> PollView:
        """Read a poll's definition and all its tallies in one request (exact); PollNotFound if there is none."""

    def read_published(self, poll_id: str, consistent: bool) -> Published:
        """Read a poll's definition and its published summary in one small request; PollNotFound if there is none."""

    def publish_summary(self, poll: Poll, counts: Counts, at: float) -> bool:
        """Store the sum of a poll's tallies as read at `at`, unless a later one is stored; False if one is."""

    def list_polls(self, cursor: str | None) -> Iterator[Poll]:
        """Yield polls in the store's own order, starting after the poll id `cursor`."""

    def change_poll(self, old: Poll, new: Poll) -> None:
        """Write a changed definition (one conditional write); StaleDefinition if the stored poll is not `old`."""

    def delete_poll(self, poll: Poll) -> None:
        """Delete a poll's definition and tallies (its ballots expire)."""

    def due_polls(self) -> list[DuePoll]:
        """Return the polls the snapshot job must visit."""

    def mark_snapshot(self, poll: Poll, signature: str, snapshot_at: int, final: bool) -> None:
        """Record what a snapshot showed; a final one takes the poll off the snapshot job's list."""

    def record_keeping(self, poll: Poll, kept_until: int | None, cursor: dict[str, Any] | None) -> None:
        """Record how far a refresh of the ballots' expiry has come (kept_until given: it is done)."""

    def track_void(self, poll: Poll, void_id: str, running: bool) -> None:
        """Add a void to those the snapshot job carries on for the poll, or take it off (the poll stays due)."""


class TallyStore(Protocol):
    """The tally items the fold writes: conditional on their marks, so each record counts exactly once."""

    def add_to_tally(self, lane: Lane, key: str, delta: Delta) -> TallyState | None:
        """Add a delta to a live tally whose mark is below delta.first; None when it did, else why not."""

    def shard_marker(self, lane: Lane) -> str | None:
        """Return the highest mark a stream shard's sealed tallies reached (None: none was sealed)."""

    def create_tally(self, lane: Lane, key: str, delta: Delta, marker: str | None) -> bool:
        """Create a tally holding a delta if it is absent and the shard's marker is still `marker`; False if not."""

    def seal(self, view: PollView, tallies: list[Tally]) -> bool:
        """Seal tallies and absorb them into the base in one transaction; False if one changed meanwhile."""

    def drop(self, view: PollView, tallies: list[Tally], now: int) -> None:
        """Delete sealed, absorbed tallies, noting when in the base."""

    def forget(self, view: PollView, keys: list[str]) -> None:
        """Let the base forget dropped tallies."""

    def correct_base(self, view: PollView, correction: Counts) -> bool:
        """Add a correction to the base if no tally changed since the view was read; False otherwise."""


class BallotStore(Protocol):
    """Ballots (the ledger), the counters that guard votes, and voids."""

    def write_vote(self, vote: VoteWrite) -> None:
        """Commit one vote in one request (ballot and guards) or raise VoteRejected."""

    def voter_ballot(self, poll: Poll, ballot_hash: str) -> OwnBallot | None:
        """Return this voter's ballot in the poll, or None."""

    def index_page(
        self,
        poll: Poll,
        bucket: int,
        start: dict[str, Any] | None,
        since: int | None,
        until: int | None,
        *,
        limit: int | None = None,
    ) -> IndexPage:
        """Read one page of one by-poll index bucket (ballots voted within [since, until] when given; at most `limit`
        ballots when given)."""

    def read_ballots(self, keys: list[str]) -> list[BallotRecord]:
        """Read ballots by key, strongly consistent (absent ones are left out)."""

    def void_ballot(self, key: str, void_id: str, at: int) -> bool:
        """Mark a counted ballot voided (the fold takes its votes off); False if it was voided or gone."""

    def keep_ballot(self, key: str, expires_at: int) -> bool:
        """Keep a ballot until at least `expires_at`; False if it is gone."""

    def save_void(self, poll: Poll, record: VoidRecord) -> None:
        """Store a void record (its progress included), replacing the previous state of the same void."""

    def voids(self, poll: Poll) -> list[VoidRecord]:
        """Return the poll's void records, oldest first."""


class AudienceStore(Protocol):
    """The audience tallies the fold writes beside the counts (conditional on their marks) and editors read."""

    def add_to_audience(self, lane: Lane, delta: AudienceDelta) -> str | None:
        """Add a delta to a lane's audience tally unless its mark reached delta.first; None if added, else the mark."""

    def audience_sites(self, lane: Lane) -> set[str]:
        """Return the sites a lane's site tally names."""

    def audience(self, poll: Poll) -> Audience:
        """Add up a poll incarnation's audience tallies."""


class Store(PollStore, TallyStore, AudienceStore, BallotStore, SurgeStore, WriteInStore, Protocol):
    """Everything the services need from the database."""


class Archive(Protocol):
    """The results bucket."""

    def put(self, key: str, body: bytes, content_type: str, cache_control: str, tags: str | None = None) -> None:
        """Write one object (ArchiveError on failure)."""

    def get_json(self, key: str) -> Any:
        """Read a JSON object, or None when there is none (ArchiveError on failure, UnreadableObject if not JSON)."""

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


class StaleDefinition(Exception):
    """The stored poll changed since it was read: read it again and retry."""


class ArchiveError(Exception):
    """Writing or reading an archived object failed."""


class UnreadableObject(ArchiveError):
    """An archived object was read but is not JSON."""
