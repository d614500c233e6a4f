"""Every key format of the tables, written once: shard items, ballot slots, ballots and address counters."""

from __future__ import annotations

from chalicelib.core.poll import Poll


def shard_key(poll_id: str, shard: int) -> str:
    """Return the partition key of one of a poll's shards."""
    return f"{poll_id}#{shard:03d}"


def shard_number(key: str) -> tuple[str, int]:
    """Split a shard key into the poll id and the shard number."""
    poll_id, _, number = key.rpartition("#")
    return poll_id, int(number)


def slot(poll: Poll, shard: int) -> str:
    """Return the by-slot index key of the ballots counted in one shard of this incarnation of a poll."""
    return f"{poll.scope}#{shard:03d}"


def ballot_key(voter_hash: str) -> str:
    """Return the key of a ballot, from the keyed hash of (poll, voter)."""
    return "b#" + voter_hash


def address_key(address_hash: str) -> str:
    """Return the key of an address counter, from the keyed hash of (poll, address)."""
    return "ip#" + address_hash


def window_key(window_hash: str) -> str:
    """Return the key of an address prefix's counter for one window."""
    return "aw#" + window_hash


def proof_key(proof_id: str) -> str:
    """Return the key of a spent proof of work."""
    return "pow#" + proof_id


def void_key(void_hash: str) -> str:
    """Return the key of a void record."""
    return "v#" + void_hash


def voids_slot(poll: Poll) -> str:
    """Return the by-slot index key under which a poll incarnation's void records are listed."""
    return f"{poll.scope}#voids"
