"""An in-memory Store and Archive for the unit tier: the port's semantics, kept in dictionaries."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.core.counts import Counts
from chalicelib.core.errors import PollExists, PollHasVotes, PollNotFound
from chalicelib.core.forensics import BallotRecord, VoidRecord
from chalicelib.core.poll import Poll, Status, Window
from chalicelib.core.votes import Rejection, ShardState, VoteRejected
from chalicelib.store.port import SHARDS_PER_STEP, DuePoll, StaleDefinition, VoteWrite


@dataclass
class Shard:
    """One shard: counts, voters and the window it enforces."""

    incarnation: str
    window: Window
    counts: Counts


@dataclass
class Ballot:
    """One stored ballot."""

    scope: str
    shard: int
    options: list[str]
    request_id: str
    source: str | None = None
    minute: int = 0
    voided: bool = False


@dataclass
class MemoryStore:
    """The Store port over dictionaries; every call is counted in `calls`."""

    polls: dict[str, Poll] = field(default_factory=dict)
    shards: dict[tuple[str, int], Shard] = field(default_factory=dict)
    ballots: dict[str, Ballot] = field(default_factory=dict)
    addresses: dict[str, int] = field(default_factory=dict)
    windows: dict[str, int] = field(default_factory=dict)
    spent: set[str] = field(default_factory=set)
    void_records: dict[str, list[VoidRecord]] = field(default_factory=dict)
    marks: dict[str, tuple[str, int, bool]] = field(default_factory=dict)
    resharded: dict[str, int] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    faults: list[VoteRejected] = field(default_factory=list)  # raised by the next write_vote calls, in order

    def create_poll(self, poll: Poll) -> None:
        """Store a poll and its zeroed shards."""
        self.calls.append("create_poll")
        if poll.id in self.polls:
            raise PollExists(f"a poll with id '{poll.id}' already exists")
        self.polls[poll.id] = poll
        for shard in range(poll.shards):
            zero = Counts(votes={o: 0 for o in poll.option_ids()})
            self.shards[(poll.id, shard)] = Shard(poll.incarnation, poll.window, zero)

    def get_poll(self, poll_id: str) -> Poll:
        """Read a poll."""
        self.calls.append("get_poll")
        if poll_id not in self.polls:
            raise PollNotFound(f"no poll with id '{poll_id}'")
        return self.polls[poll_id]

    def list_polls(self, cursor: str | None) -> Iterator[Poll]:
        """Yield polls in id order after the cursor."""
        self.calls.append("list_polls")
        yield from (poll for poll_id, poll in sorted(self.polls.items()) if cursor is None or poll_id > cursor)

    def replace_poll(self, old: Poll, new: Poll, reset_counts: bool) -> None:
        """Write a changed definition to the poll and its shards."""
        self.calls.append("replace_poll")
        current = self.polls.get(old.id)
        if current is None or (current.incarnation, current.shards) != (old.incarnation, old.shards):
            raise StaleDefinition(f"poll '{old.id}' changed since it was read")
        shards = [self.shards[(old.id, n)] for n in range(old.shards) if (old.id, n) in self.shards]
        if reset_counts and any(s.counts.voters for s in shards):
            raise PollHasVotes("the question and options cannot change once the poll has votes")
        for shard in shards:
            shard.window = new.window
            if reset_counts:
                shard.counts = Counts(votes={o: 0 for o in new.option_ids()})
        self.polls[old.id] = new
        self.marks.pop(old.id, None)

    def add_shards(self, poll: Poll, shards: int) -> None:
        """Create shards and publish the count if the stored poll still matches."""
        self.calls.append("add_shards")
        assert poll.shards < shards <= poll.shards + SHARDS_PER_STEP
        current = self.polls.get(poll.id)
        if current is None or (current.incarnation, current.shards, current.window) != (
            poll.incarnation,
            poll.shards,
            poll.window,
        ):
            raise StaleDefinition(f"poll '{poll.id}' changed since it was read")
        for shard in range(poll.shards, shards):
            zero = Counts(votes={o: 0 for o in poll.option_ids()})
            self.shards[(poll.id, shard)] = Shard(poll.incarnation, poll.window, zero)
        self.polls[poll.id] = replace(current, shards=shards)
        self.marks.pop(poll.id, None)

    def claim_reshard(self, poll: Poll, window_start: int) -> bool:
        """Claim one window's automatic resharding."""
        self.calls.append("claim_reshard")
        if self.resharded.get(poll.id, -1) >= window_start:
            return False
        self.resharded[poll.id] = window_start
        return True

    def delete_poll(self, poll: Poll) -> None:
        """Delete a poll and its shards."""
        self.calls.append("delete_poll")
        self.polls.pop(poll.id, None)
        for shard in range(poll.shards):
            self.shards.pop((poll.id, shard), None)

    def due_polls(self) -> list[DuePoll]:
        """Polls without a final snapshot."""
        self.calls.append("due_polls")
        found = []
        for poll in self.polls.values():
            signature, at, final = self.marks.get(poll.id, (None, None, False))
            if not final:
                found.append(DuePoll(poll=poll, signature=signature, snapshot_at=at))
        return found

    def mark_snapshot(self, poll: Poll, signature: str, snapshot_at: int, final: bool) -> None:
        """Record a snapshot."""
        self.calls.append("mark_snapshot")
        if poll.id not in self.polls:
            raise PollNotFound(f"poll '{poll.id}' was deleted or re-created")
        self.marks[poll.id] = (signature, snapshot_at, final)

    def read_counts(self, poll_id: str, shards: range, with_poll: bool) -> tuple[Poll | None, Counts]:
        """Sum some shards."""
        self.calls.append("read_counts")
        total = Counts()
        for shard in shards:
            if (poll_id, shard) in self.shards:
                counts = self.shards[(poll_id, shard)].counts
                total.merge(counts.votes, counts.voters)
        return (self.polls.get(poll_id) if with_poll else None), total

    def read_many_counts(self, polls: list[Poll], consistent: bool) -> dict[str, Counts | None]:
        """Sum the shards of many polls."""
        self.calls.append("read_many_counts")
        found: dict[str, Counts | None] = {}
        for poll in polls:
            present = [self.shards[(poll.id, n)] for n in range(poll.shards) if (poll.id, n) in self.shards]
            total = Counts()
            for shard in present:
                total.merge(shard.counts.votes, shard.counts.voters)
            found[poll.id] = total if present else None
        return found

    def shard_counts(self, poll_id: str, shards: int) -> dict[int, Counts]:
        """Each existing shard's counts."""
        self.calls.append("shard_counts")
        return {n: self.shards[(poll_id, n)].counts.copy() for n in range(shards) if (poll_id, n) in self.shards}

    def replace_shard_counts(self, poll: Poll, shard: int, seen: Counts, counts: Counts) -> bool:
        """Overwrite a shard's counts if unchanged."""
        self.calls.append("replace_shard_counts")
        item = self.shards.get((poll.id, shard))
        if item is None or item.counts != seen:
            return False
        item.counts = counts.copy()
        return True

    def write_vote(self, vote: VoteWrite) -> None:
        """Commit a vote with the transaction's conditions, all or nothing."""
        self.calls.append("write_vote")
        if self.faults:
            raise self.faults.pop(0)
        item = self.shards.get((vote.poll.id, vote.shard))
        state = ShardState() if item is None else ShardState(item.incarnation, item.window)
        if item is None:
            raise VoteRejected(Rejection.SHARD, state)
        if vote.voter_hash is not None and vote.voter_hash in self.ballots:
            own = self.ballots[vote.voter_hash].request_id == vote.request_id
            raise VoteRejected(Rejection.OWN_BALLOT if own else Rejection.ALREADY_VOTED)
        in_window = item.window.status_at(vote.now) is Status.OPEN
        if item.incarnation != vote.poll.incarnation or not in_window or set(vote.options) - set(item.counts.votes):
            raise VoteRejected(Rejection.SHARD, state)
        if vote.proof is not None and vote.proof.proof_id in self.spent:
            raise VoteRejected(Rejection.PROOF_USED)
        if vote.address_hash is not None and self.addresses.get(vote.address_hash, 0) >= vote.poll.ip_limit:
            raise VoteRejected(Rejection.IP_LIMIT)
        window = vote.window
        if window is not None and self.windows.get(window.key_hash, 0) >= window.limit:
            raise VoteRejected(Rejection.ADDRESS_WINDOW)
        if vote.voter_hash is not None:
            ballot = Ballot(vote.poll.scope, vote.shard, list(vote.options), vote.request_id)
            self.ballots[vote.voter_hash] = replace(ballot, source=vote.source_hash, minute=vote.now // 60 * 60)
        if vote.address_hash is not None:
            self.addresses[vote.address_hash] = self.addresses.get(vote.address_hash, 0) + 1
        if window is not None:
            self.windows[window.key_hash] = self.windows.get(window.key_hash, 0) + 1
        if vote.proof is not None:
            self.spent.add(vote.proof.proof_id)
        item.counts.add(vote.options)

    def ballot_exists(self, poll: Poll, voter_hash: str) -> bool:
        """Whether a ballot exists."""
        self.calls.append("ballot_exists")
        return voter_hash in self.ballots

    def ballots_in_shard(self, poll: Poll, shard: int) -> Iterator[list[str]]:
        """The ballots counted in one shard."""
        self.calls.append("ballots_in_shard")
        for ballot in list(self.ballots.values()):
            if ballot.scope == poll.scope and ballot.shard == shard and not ballot.voided:
                yield list(ballot.options)

    def ballot_records(self, poll: Poll, shard: int) -> Iterator[BallotRecord]:
        """The counted ballots of one shard, with source and minute."""
        self.calls.append("ballot_records")
        for key, ballot in list(self.ballots.items()):
            if ballot.scope == poll.scope and ballot.shard == shard and not ballot.voided:
                yield BallotRecord(key, shard, tuple(ballot.options), ballot.source, ballot.minute)

    def void_ballots(self, poll: Poll, record: VoidRecord, ballots: list[BallotRecord]) -> list[BallotRecord]:
        """Void the ballots not voided yet: off their shards, onto the record."""
        self.calls.append("void_ballots")
        current = self.polls.get(poll.id)
        if current is None or current.incarnation != poll.incarnation:
            raise PollNotFound(f"poll '{poll.id}' was deleted or re-created")
        voided = [b for b in ballots if b.key in self.ballots and not self.ballots[b.key].voided]
        for found in voided:
            self.ballots[found.key].voided = True
            counts = self.shards[(poll.id, found.shard)].counts
            counts.voters -= 1
            for option_id in found.options:
                counts.votes[option_id] -= 1
        if voided:
            tally = {o: sum(o in b.options for b in voided) for o in poll.option_ids()}
            kept = replace(record, voided=len(voided), options=tally)
            self.void_records.setdefault(poll.scope, []).append(kept)
        self.marks.pop(poll.id, None)
        return voided

    def voids(self, poll: Poll) -> list[VoidRecord]:
        """The poll's void records."""
        self.calls.append("voids")
        return list(self.void_records.get(poll.scope, []))

    def set_window(self, poll_id: str, **changes: Any) -> None:
        """Change a stored poll's window behind the services' back, as another process would."""
        poll = replace(self.polls[poll_id], **changes)
        self.polls[poll_id] = poll
        for shard in range(poll.shards):
            self.shards[(poll_id, shard)].window = poll.window


@dataclass
class MemoryArchive:
    """The Archive port over a dictionary of key -> (body, content type, cache control, tags)."""

    objects: dict[str, tuple[bytes, str, str, str | None]] = field(default_factory=dict)
    broken: bool = False

    def put(self, key: str, body: bytes, content_type: str, cache_control: str, tags: str | None = None) -> None:
        """Store an object."""
        from chalicelib.store.port import ArchiveError

        if self.broken:
            raise ArchiveError(f"could not write {key}")
        self.objects[key] = (copy.copy(body), content_type, cache_control, tags)

    def get_json(self, key: str) -> Any:
        """Read a JSON object or None."""
        found = self.objects.get(key)
        return None if found is None else json.loads(found[0])

    def delete(self, keys: list[str]) -> None:
        """Delete objects (absent ones are no error)."""
        from chalicelib.store.port import ArchiveError

        if self.broken:
            raise ArchiveError(f"could not delete {keys[:1]}")
        for key in keys:
            self.objects.pop(key, None)

    def list_keys(self, prefix: str) -> list[str]:
        """Return the keys under a prefix, in key order."""
        return sorted(key for key in self.objects if key.startswith(prefix))


# Polls for tests of other behaviour opt out of the protective defaults (no challenge, no address window);
# tests/unit/test_stuffing.py proves the defaults.
UNPROTECTED: dict[str, Any] = {"challenge": "none", "address_limit": None}
