"""An in-memory Store and Archive for the unit tier: the port's semantics, kept in dictionaries.

The ballots' changes are written to an in-memory stream (DynamoDB JSON, as Lambda delivers a batch), so the unit
tier folds them with the real fold: `memory.batch()` takes what arrived since the last batch.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from chalicelib.core.audience import Audience
from chalicelib.core.counts import Counts
from chalicelib.core.errors import PollExists, PollNotFound
from chalicelib.core.forensics import BallotRecord, VoidRecord
from chalicelib.core.ledger import INDEX_BUCKETS, AudienceDelta, Base, Delta, Lane, Tally, dimensions_of
from chalicelib.core.poll import Poll
from chalicelib.core.surges import Surge, SurgeKind
from chalicelib.core.votes import OwnBallot, Rejection, VoteRejected
from chalicelib.store.port import DuePoll, IndexPage, PollView, StaleDefinition, TallyState, VoteWrite
from chalicelib.store.port import Published as PollViewPublished
from tests.unit.memory_write_ins import MemoryWriteIns

SERIALIZER = TypeSerializer()
PAGE = 50  # ballots per index page


def _image(item: dict[str, Any]) -> dict[str, Any]:
    return {name: SERIALIZER.serialize(value) for name, value in item.items() if value is not None}


@dataclass
class Bookkeeping:
    """What the snapshot job and the upkeep keep on a poll's definition."""

    signature: str | None = None
    snapshot_at: int | None = None
    due: bool = True
    kept_until: int | None = None
    keep_cursor: dict[str, Any] | None = None
    voids_running: set[str] = field(default_factory=set)


class MemorySurges:
    """The SurgeStore port over dictionaries (mixed into MemoryStore)."""

    polls: dict[str, Poll]
    calls: list[str]
    rate_counts: dict[tuple[str, SurgeKind, str], dict[int, int]]
    surge_items: dict[tuple[str, SurgeKind, str], tuple[str, Surge]]

    def add_to_rates(
        self, poll: Poll, shard: str, minute: int, adds: dict[tuple[SurgeKind, str], int], expires_at: int
    ) -> None:
        """Add votes to a poll's counters of one minute."""
        self.calls.append("add_to_rates")
        for (kind, key), n in adds.items():
            per_minute = self.rate_counts.setdefault((poll.scope, kind, key), {})
            per_minute[minute] = per_minute.get(minute, 0) + n

    def rates(self, poll: Poll, since: int) -> dict[tuple[SurgeKind, str], dict[int, int]]:
        """Return a poll's votes per key per minute from `since` on."""
        self.calls.append("rates")
        found = {
            (kind, key): {m: n for m, n in minutes.items() if m >= since // 60 * 60}
            for (scope, kind, key), minutes in self.rate_counts.items()
            if scope == poll.scope
        }
        return {key: minutes for key, minutes in found.items() if minutes}

    def _surges(self, poll: Poll) -> list[Surge]:
        return [s for (pid, _, _), (inc, s) in self.surge_items.items() if pid == poll.id and inc == poll.incarnation]

    def surges(self, poll: Poll) -> list[Surge]:
        """Return the poll's stored surges."""
        self.calls.append("surges")
        return self._surges(poll)

    def put_surge(self, poll: Poll, surge: Surge, previous: Surge | None) -> bool:
        """Store a surge over the one read."""
        self.calls.append("put_surge")
        key = (poll.id, surge.kind, surge.key)
        stored = self.surge_items.get(key)
        now = None if stored is None else (stored[1].until, stored[1].level)
        if now != (None if previous is None else (previous.until, previous.level)):
            return False
        self.surge_items[key] = (poll.incarnation, surge)
        return True

    def delete_surge(self, poll: Poll, surge: Surge) -> bool:
        """Delete a surge unless it changed since read."""
        self.calls.append("delete_surge")
        key = (poll.id, surge.kind, surge.key)
        stored = self.surge_items.get(key)
        if stored is None or (stored[1].until, stored[1].level) != (surge.until, surge.level):
            return False
        del self.surge_items[key]
        return True


@dataclass
class MemoryStore(MemorySurges, MemoryWriteIns):
    """The Store port over dictionaries; every call is counted in `calls`."""

    polls: dict[str, Poll] = field(default_factory=dict)
    books: dict[str, Bookkeeping] = field(default_factory=dict)
    tallies: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)  # (poll, inc, key) -> tally
    bases: dict[tuple[str, str], Base] = field(default_factory=dict)
    markers: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # (poll, inc, shard, group) -> {"mark", "adds"}
    audiences: dict[tuple[str, str, str, str], dict[str, Any]] = field(default_factory=dict)
    ballots: dict[str, dict[str, Any]] = field(default_factory=dict)
    guards: dict[str, int] = field(default_factory=dict)
    void_records: dict[tuple[str, str], VoidRecord] = field(default_factory=dict)
    stream: list[dict[str, Any]] = field(default_factory=list)
    summaries: dict[str, tuple[str, Counts, float]] = field(default_factory=dict)  # poll -> (incarnation, counts, at)
    tallied: list[str] = field(default_factory=list)  # polls whose tallies changed (the polls table's stream)
    shard: str = "shardId-00000001700000000000-memory01"  # the stream shard new changes go to
    sequence: int = 10**20
    calls: list[str] = field(default_factory=list)
    faults: list[VoteRejected] = field(default_factory=list)  # raised by the next write_vote calls, in order
    rate_counts: dict[tuple[str, SurgeKind, str], dict[int, int]] = field(default_factory=dict)  # (scope, key) -> ...
    surge_items: dict[tuple[str, SurgeKind, str], tuple[str, Surge]] = field(default_factory=dict)  # -> (inc, surge)

    # ------------------------------------------------------------------ polls

    def create_poll(self, poll: Poll) -> None:
        """Store a poll."""
        self.calls.append("create_poll")
        if poll.id in self.polls:
            raise PollExists(f"a poll with id '{poll.id}' already exists")
        self.polls[poll.id] = poll
        self.books[poll.id] = Bookkeeping(kept_until=poll.keep_until or None)

    def get_poll(self, poll_id: str) -> Poll:
        """Read a poll."""
        self.calls.append("get_poll")
        if poll_id not in self.polls:
            raise PollNotFound(f"no poll with id '{poll_id}'")
        return self.polls[poll_id]

    def read_view(self, poll_id: str, consistent: bool) -> PollView:
        """Read a poll with its tallies."""
        self.calls.append("read_view")
        poll = self.get_poll(poll_id)
        self.calls.pop()
        tallies = tuple(
            Tally(key, t["shard"], t["counts"].copy(), t["mark"], t["at"], t["sealed"])
            for (pid, inc, key), t in sorted(self.tallies.items())
            if pid == poll_id and inc == poll.incarnation
        )
        base = self.bases.get((poll_id, poll.incarnation), Base())
        return PollView(poll=poll, base=base, tallies=tallies, surges=tuple(self._surges(poll)))

    def read_published(self, poll_id: str, consistent: bool) -> PollViewPublished:
        """Read a poll with its published summary."""
        self.calls.append("read_published")
        poll = self.get_poll(poll_id)
        self.calls.pop()
        found, surges = self.summaries.get(poll_id), tuple(self._surges(poll))
        if found is None or found[0] != poll.incarnation:
            return PollViewPublished(poll=poll, surges=surges)
        return PollViewPublished(poll=poll, counts=found[1].copy(), at=found[2], surges=surges)

    def publish_summary(self, poll: Poll, counts: Counts, at: float) -> bool:
        """Store a summary unless a later one is stored."""
        self.calls.append("publish_summary")
        found = self.summaries.get(poll.id)
        if found is not None and found[0] == poll.incarnation and found[2] > at:
            return False
        self.summaries[poll.id] = (poll.incarnation, counts.copy(), at)
        return True

    def tally_event(self) -> dict[str, Any]:
        """Take the tally changes not yet published: a batch of the polls table's stream, as Lambda delivers it."""
        records = [
            {"eventName": "MODIFY", "dynamodb": {"Keys": {"id": {"S": poll_id}, "part": {"S": "t#"}}}}
            for poll_id in dict.fromkeys(self.tallied)
        ]
        self.tallied.clear()
        return {"Records": records}

    def list_polls(self, cursor: str | None) -> Iterator[Poll]:
        """Yield polls in id order after the cursor."""
        self.calls.append("list_polls")
        yield from (poll for poll_id, poll in sorted(self.polls.items()) if cursor is None or poll_id > cursor)

    def change_poll(self, old: Poll, new: Poll) -> None:
        """Write a changed definition over its version."""
        self.calls.append("change_poll")
        current = self.polls.get(old.id)
        if current is None or (current.incarnation, current.version) != (old.incarnation, old.version):
            raise StaleDefinition(f"poll '{old.id}' changed since it was read")
        self.polls[old.id] = replace(new, version=old.version + 1)
        self.books[old.id].due = True

    def delete_poll(self, poll: Poll) -> None:
        """Delete a poll and its tallies."""
        self.calls.append("delete_poll")
        self.polls.pop(poll.id, None)
        self.books.pop(poll.id, None)
        for key in [k for k in self.tallies if k[0] == poll.id]:
            del self.tallies[key]
        for key in [k for k in self.bases if k[0] == poll.id]:
            del self.bases[key]
        for key in [k for k in self.audiences if k[0] == poll.id]:
            del self.audiences[key]

    def due_polls(self) -> list[DuePoll]:
        """Polls without a final snapshot, or with work left."""
        self.calls.append("due_polls")
        return [
            DuePoll(
                poll, book.signature, book.snapshot_at, book.kept_until, book.keep_cursor, sorted(book.voids_running)
            )
            for poll_id, poll in self.polls.items()
            if (book := self.books[poll_id]).due
        ]

    def mark_snapshot(self, poll: Poll, signature: str, snapshot_at: int, final: bool) -> None:
        """Record a snapshot."""
        self.calls.append("mark_snapshot")
        book = self._book(poll)
        book.signature, book.snapshot_at = signature, snapshot_at
        if final:
            book.due = False

    def record_keeping(self, poll: Poll, kept_until: int | None, cursor: dict[str, Any] | None) -> None:
        """Record a refresh's progress."""
        self.calls.append("record_keeping")
        book = self._book(poll)
        book.kept_until, book.keep_cursor, book.due = kept_until, cursor, True

    def track_void(self, poll: Poll, void_id: str, running: bool) -> None:
        """Add or take off a running void."""
        self.calls.append("track_void")
        book = self._book(poll)
        book.due = True
        (book.voids_running.add if running else book.voids_running.discard)(void_id)

    def _book(self, poll: Poll) -> Bookkeeping:
        current = self.polls.get(poll.id)
        if current is None or current.incarnation != poll.incarnation:
            raise PollNotFound(f"poll '{poll.id}' was deleted or re-created")
        return self.books[poll.id]

    # ------------------------------------------------------------------ tallies

    def add_to_tally(self, lane: Lane, key: str, delta: Delta) -> TallyState | None:
        """Add a delta to a live tally whose mark is below the delta's first record."""
        self.calls.append("add_to_tally")
        tally = self.tallies.get((lane.poll_id, lane.incarnation, key))
        if tally is None:
            return TallyState(exists=False)
        if tally["sealed"] or tally["mark"] >= delta.first:
            return TallyState(exists=True, sealed=tally["sealed"], mark=tally["mark"])
        tally["counts"].merge(delta.votes, delta.voters)
        tally["mark"], tally["at"] = delta.last, delta.at
        self.tallied.append(lane.poll_id)
        return None

    def shard_marker(self, lane: Lane) -> str | None:
        """The shard's marker."""
        self.calls.append("shard_marker")
        return self.markers.get((lane.poll_id, lane.incarnation, lane.shard))

    def create_tally(self, lane: Lane, key: str, delta: Delta, marker: str | None) -> bool:
        """Create a tally if absent and the marker is unchanged."""
        self.calls.append("create_tally")
        if (lane.poll_id, lane.incarnation, key) in self.tallies or self.shard_marker(lane) != marker:
            return False
        self.calls.pop()
        counts = Counts(votes=dict(delta.votes), voters=delta.voters)
        self.tallies[(lane.poll_id, lane.incarnation, key)] = {
            "shard": lane.shard,
            "counts": counts,
            "mark": delta.last,
            "at": delta.at,
            "sealed": False,
        }
        self.tallied.append(lane.poll_id)
        return True

    def seal(self, view: PollView, tallies: list[Tally]) -> bool:
        """Seal tallies into the base, all or nothing."""
        self.calls.append("seal")
        poll = view.poll
        stored = [self.tallies.get((poll.id, poll.incarnation, t.key)) for t in tallies]
        if any(s is None or s["sealed"] or s["mark"] != t.mark for s, t in zip(stored, tallies, strict=True)):
            return False
        base = self.bases.get((poll.id, poll.incarnation), Base())
        counts, absorbed = base.counts.copy(), dict(base.absorbed)
        for item, tally in zip(stored, tallies, strict=True):
            assert item is not None
            item["sealed"] = True
            counts.merge(tally.counts.votes, tally.counts.voters)
            absorbed[tally.key] = tally.mark
            lane = (poll.id, poll.incarnation, tally.shard)
            self.markers[lane] = max(self.markers.get(lane, ""), tally.mark)
        self.bases[(poll.id, poll.incarnation)] = replace(
            base, counts=counts, absorbed=absorbed, revision=base.revision + 1
        )
        self.tallied.append(poll.id)
        return True

    def drop(self, view: PollView, tallies: list[Tally], now: int) -> None:
        """Delete sealed, absorbed tallies."""
        self.calls.append("drop")
        poll = view.poll
        base = self.bases[(poll.id, poll.incarnation)]
        dropped = dict(base.dropped)
        for tally in tallies:
            self.tallies.pop((poll.id, poll.incarnation, tally.key), None)
            dropped[tally.key] = now
        self.bases[(poll.id, poll.incarnation)] = replace(base, dropped=dropped, revision=base.revision + 1)

    def forget(self, view: PollView, keys: list[str]) -> None:
        """Let the base forget dropped tallies."""
        self.calls.append("forget")
        poll = view.poll
        base = self.bases[(poll.id, poll.incarnation)]
        absorbed = {k: v for k, v in base.absorbed.items() if k not in keys}
        dropped = {k: v for k, v in base.dropped.items() if k not in keys}
        self.bases[(poll.id, poll.incarnation)] = replace(base, absorbed=absorbed, dropped=dropped)

    def correct_base(self, view: PollView, correction: Counts) -> bool:
        """Correct the base if nothing changed since the view."""
        self.calls.append("correct_base")
        poll = view.poll
        if self.read_view(poll.id, consistent=True) != view:
            return False
        self.calls.pop()
        base = self.bases.get((poll.id, poll.incarnation), Base())
        counts = base.counts.copy().merge(correction.votes, correction.voters)
        self.bases[(poll.id, poll.incarnation)] = replace(base, counts=counts, revision=base.revision + 1)
        self.tallied.append(poll.id)
        return True

    # ------------------------------------------------------------------ audience

    def add_to_audience(self, lane: Lane, delta: AudienceDelta) -> str | None:
        """Add a delta to a lane's audience tally unless its mark has reached delta.first."""
        self.calls.append("add_to_audience")
        tally = self.audiences.setdefault(
            (lane.poll_id, lane.incarnation, lane.shard, delta.group), {"mark": None, "adds": {}}
        )
        if tally["mark"] is not None and tally["mark"] >= delta.first:
            return str(tally["mark"])
        for name, n in delta.adds.items():
            tally["adds"][name] = tally["adds"].get(name, 0) + n
        tally["mark"] = delta.last
        return None

    def audience_sites(self, lane: Lane) -> set[str]:
        """The sites a lane's site tally names."""
        self.calls.append("audience_sites")
        tally = self.audiences.get((lane.poll_id, lane.incarnation, lane.shard, "s"), {"adds": {}})
        return {name.split("|")[1] for name in tally["adds"] if name.count("|") == 1}

    def audience(self, poll: Poll) -> Audience:
        """Add up a poll incarnation's audience tallies."""
        self.calls.append("audience")
        found = Audience()
        for (poll_id, incarnation, _, _), tally in self.audiences.items():
            if (poll_id, incarnation) == (poll.id, poll.incarnation):
                found.add(tally["adds"])
        return found

    # ------------------------------------------------------------------ ballots

    def write_vote(self, vote: VoteWrite) -> None:
        """Write a vote with its conditions, all or nothing."""
        self.calls.append("write_vote")
        if self.faults:
            raise self.faults.pop(0)
        key = ("r#" if vote.by_request else "b#") + vote.ballot_hash
        if key in self.ballots:
            found = self.ballots[key]
            if found["request_id"] == vote.request_id:
                raise VoteRejected(Rejection.OWN_BALLOT)
            raise VoteRejected(Rejection.ALREADY_VOTED, self._own(found))
        if vote.proof is not None and "pow#" + vote.proof.proof_id in self.guards:
            raise VoteRejected(Rejection.PROOF_USED)
        if vote.proof is not None and vote.proof.token_id and "pat#" + vote.proof.token_id in self.guards:
            raise VoteRejected(Rejection.TOKEN_USED)
        if vote.address_hash is not None and self.guards.get("ip#" + vote.address_hash, 0) >= vote.poll.ip_limit:
            raise VoteRejected(Rejection.IP_LIMIT)
        full = [w.ends_at for w in vote.windows if self.guards.get("aw#" + w.key_hash, 0) >= w.limit]
        if full:
            raise VoteRejected(Rejection.ADDRESS_WINDOW, retry_at=max(full))
        bucket = int(vote.ballot_hash[:4], 16) % INDEX_BUCKETS
        ballot = {
            "pk": key,
            "poll": vote.poll.id,
            "inc": vote.poll.incarnation,
            "options": list(vote.options),
            "request_id": vote.request_id,
            "at": vote.now,
            "src": vote.source_hash,
            "pb": f"{vote.poll.scope}#{bucket:02x}",
            "expires_at": vote.expires_at,
            "cty": vote.dimensions.country,
            "site": vote.dimensions.site,
            "surf": vote.dimensions.surface,
            "net": vote.network,
            "blk": vote.block_hash,
            "oth": vote.other,
            "ok": vote.right or None,
        }
        self._change(key, ballot)
        for name in ([f"ip#{vote.address_hash}"] if vote.address_hash else []) + [
            f"aw#{window.key_hash}" for window in vote.windows
        ]:
            self.guards[name] = self.guards.get(name, 0) + 1
        if vote.proof is not None:
            self.guards["pow#" + vote.proof.proof_id] = 1
            if vote.proof.token_id:
                self.guards["pat#" + vote.proof.token_id] = 1

    def _change(self, key: str, new: dict[str, Any] | None, *, by_ttl: bool = False) -> None:
        """Change a ballot and write the change to the stream, as DynamoDB Streams would."""
        old = self.ballots.get(key)
        if new is None:
            self.ballots.pop(key, None)
        else:
            self.ballots[key] = new
        self.sequence += 1
        event = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
        change: dict[str, Any] = {"Keys": {"pk": {"S": key}}, "SequenceNumber": str(self.sequence)}
        at = (new or old or {}).get("at", 0)
        change["ApproximateCreationDateTime"] = at
        if new is not None:
            change["NewImage"] = _image(new)
        if old is not None:
            change["OldImage"] = _image(old)
        record: dict[str, Any] = {"eventName": event, "dynamodb": change, "shard": self.shard}
        if by_ttl:
            record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
        self.stream.append(record)

    def expire(self, key: str) -> None:
        """Delete a ballot by TTL (its stream record names DynamoDB as the deleter)."""
        self._change(key, None, by_ttl=True)

    def delete_ballot(self, key: str) -> None:
        """Delete a ballot by hand (as an operator would)."""
        self._change(key, None)

    def batch(self, shard: str | None = None) -> dict[str, Any]:
        """Take the stream records of one shard (the first with any) not yet taken: a Lambda tumbling-window event."""
        shard = shard or (self.stream[0]["shard"] if self.stream else self.shard)
        records = [r for r in self.stream if r["shard"] == shard]
        self.stream = [r for r in self.stream if r["shard"] != shard]
        return {"Records": [{k: v for k, v in r.items() if k != "shard"} for r in records], "shardId": shard}

    @staticmethod
    def _own(ballot: dict[str, Any]) -> OwnBallot:
        """A stored ballot as its voter's results need it."""
        return OwnBallot(tuple(ballot["options"]), int(ballot["at"]), voided=ballot.get("voided_at") is not None)

    def voter_ballot(self, poll: Poll, ballot_hash: str) -> OwnBallot | None:
        """A voter's ballot, or None."""
        self.calls.append("voter_ballot")
        found = self.ballots.get("b#" + ballot_hash)
        return None if found is None else self._own(found)

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
        """One page of a bucket of the by-poll index."""
        self.calls.append("index_page")
        wanted = f"{poll.scope}#{bucket:02x}"
        found = sorted(
            (b for b in self.ballots.values() if b["pb"] == wanted),
            key=lambda b: (b["at"], b["pk"]),
        )
        found = [b for b in found if (since is None or b["at"] >= since) and (until is None or b["at"] <= until)]
        offset = int(start["offset"]) if start else 0
        page = found[offset : offset + PAGE]
        more = {"offset": offset + PAGE} if offset + PAGE < len(found) else None
        return IndexPage([_record(b) for b in page], more)

    def read_ballots(self, keys: list[str]) -> list[BallotRecord]:
        """Ballots by key."""
        self.calls.append("read_ballots")
        return [_record(self.ballots[key]) for key in keys if key in self.ballots]

    def void_ballot(self, key: str, void_id: str, at: int) -> bool:
        """Mark a ballot voided."""
        self.calls.append("void_ballot")
        ballot = self.ballots.get(key)
        if ballot is None or ballot.get("voided_at") is not None:
            return False
        self._change(key, {**ballot, "voided_at": at, "void_id": void_id})
        return True

    def keep_ballot(self, key: str, expires_at: int) -> bool:
        """Keep a ballot longer."""
        self.calls.append("keep_ballot")
        ballot = self.ballots.get(key)
        if ballot is None or ballot["expires_at"] >= expires_at:
            return False
        self._change(key, {**ballot, "expires_at": expires_at})
        return True

    def save_void(self, poll: Poll, record: VoidRecord) -> None:
        """Store a void record."""
        self.calls.append("save_void")
        self.void_records[(poll.scope, record.id)] = record

    def voids(self, poll: Poll) -> list[VoidRecord]:
        """The poll's void records."""
        self.calls.append("voids")
        found = [r for (scope, _), r in self.void_records.items() if scope == poll.scope]
        return sorted(found, key=lambda r: (r.at, r.id))


def _record(ballot: dict[str, Any]) -> BallotRecord:
    return BallotRecord(
        key=ballot["pk"],
        options=tuple(ballot["options"]),
        source=ballot.get("src"),
        minute=int(ballot["at"]) // 60 * 60,
        voided=ballot.get("voided_at") is not None,
        dimensions=dimensions_of(ballot),
        network=ballot.get("net") or "unknown",
        block=ballot.get("blk"),
        right=ballot.get("ok") is True,
    )


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
