"""The ledger's rules: what a change to a ballot does to its poll's counts, and how a poll's tallies add up.

Ballots are the truth; counts are folded from the ballots table's stream. Each stream shard folds into a tally item
of its own, which records the highest sequence number it applied (its mark), so a redelivered or bisected batch
applies exactly the records past the mark. A shard's tally is later sealed and absorbed into the poll's base
tally (compaction); the base remembers what it absorbed, so a read that meets a tally both sealed and absorbed
counts it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.core.audience import NOWHERE, OTHER, Dimensions, attribute_names, country_code
from chalicelib.core.counts import Counts
from chalicelib.core.quiz import RIGHT

SEQUENCE_WIDTH = 40  # DynamoDB Streams sequence numbers are 21 to 40 digits: padded, they compare as text
INDEX_BUCKETS = 256  # the by-poll index spreads a poll's ballots over this many keys (see ops/capacity.py)


def sequence_key(number: str) -> str:
    """Return a stream sequence number padded to a fixed width, so that text order is numeric order."""
    if not (isinstance(number, str) and number.isascii() and number.isdigit() and len(number) <= SEQUENCE_WIDTH):
        raise ValueError(f"not a stream sequence number: {str(number)[:60]!r}")
    return number.zfill(SEQUENCE_WIDTH)


def counted(image: Mapping[str, Any] | None) -> bool:
    """Tell whether a ballot image counts: it names its poll, incarnation and options, and is not voided."""
    if not image:
        return False
    named = bool(image.get("poll")) and bool(image.get("inc")) and bool(image.get("options"))
    return named and image.get("voided_at") is None


@dataclass(frozen=True)
class Contribution:
    """One stream record's effect on one poll incarnation's counts: +1 or -1 voter and the same for each option."""

    poll_id: str
    incarnation: str
    sequence: str  # padded (sequence_key)
    options: tuple[str, ...]
    sign: int  # +1 a ballot that now counts, -1 one that no longer does
    at: int  # when the record was written (epoch seconds)
    dimensions: Dimensions = NOWHERE  # where the ballot came from
    cast_at: int = 0  # when the ballot was cast (its minute in the audience)
    in_audience: bool = True  # False for a ballot cast before the audience: never added, so never taken off
    network: str = "unknown"  # the reader's AS number (surges)
    block: str | None = None  # keyed hash of the reader's /24 or /48 (surges)
    right: bool = False  # a quiz's ballot marked right ("ok"): counted as the pseudo-option RIGHT
    other: str | None = None  # a write-in's text (its answer id is among the options)


def contribution(
    event: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, *, by_ttl: bool, sequence: str, at: int
) -> Contribution | None:
    """Return what a change to a ballot does to the counts (None: nothing).

    A new ballot adds; a ballot voided (or deleted by hand) subtracts; a ballot expired by TTL changes nothing (its
    poll closed long ago and its votes stay counted); any other change (its expiry refreshed) changes nothing.
    """
    if event == "REMOVE" and by_ttl:
        return None
    before, after = counted(old), counted(new if event != "REMOVE" else None)
    if before == after:
        return None
    image = new if after else old
    assert image is not None
    return Contribution(
        poll_id=str(image["poll"]),
        incarnation=str(image["inc"]),
        sequence=sequence_key(sequence),
        options=tuple(str(option) for option in image["options"]),
        sign=1 if after else -1,
        at=at,
        dimensions=dimensions_of(image),
        cast_at=int(image.get("at") or at),
        in_audience="cty" in image,
        network=str(image.get("net") or "unknown"),
        block=str(image["blk"]) if image.get("blk") else None,
        right=image.get("ok") is True,
        other=str(image["oth"]) if image.get("oth") else None,
    )


def dimensions_of(image: Mapping[str, Any]) -> Dimensions:
    """Return a ballot image's audience dimensions (each "unknown" where the ballot has none)."""
    fallback = Dimensions()
    site, surface = image.get("site"), image.get("surf")
    return Dimensions(
        country=country_code(image.get("cty")),
        site=str(site) if isinstance(site, str) and site else fallback.site,
        surface=str(surface) if isinstance(surface, str) and surface else fallback.surface,
    )


@dataclass(frozen=True)
class Delta:
    """The sum of some contributions to one tally: votes per option, voters, and the sequence numbers they span."""

    votes: dict[str, int]
    voters: int
    first: str
    last: str
    at: int

    @property
    def counts(self) -> Counts:
        """Return the delta as counts."""
        return Counts(votes=dict(self.votes), voters=self.voters)


def delta(contributions: Sequence[Contribution]) -> Delta:
    """Sum contributions (in stream order) into one delta."""
    votes: dict[str, int] = {}
    for item in contributions:
        for option in (*item.options, RIGHT) if item.right else item.options:
            votes[option] = votes.get(option, 0) + item.sign
    return Delta(
        votes={option: n for option, n in votes.items() if n},
        voters=sum(item.sign for item in contributions),
        first=contributions[0].sequence,
        last=contributions[-1].sequence,
        at=max(item.at for item in contributions),
    )


MAX_AUDIENCE_NAMES = 100  # names one audience write adds to: its expression stays well under DynamoDB's 4 KB
# Sites one stream shard's site tally names; later ones count as "other". The Origin a script sends is its own
# choice, so without a cap a flood of made-up sites would grow the item past DynamoDB's 400 KB and stop the fold.
MAX_SITES = 100


@dataclass(frozen=True)
class AudienceDelta:
    """The sum of a run of contributions to one audience tally (a dimension, or an hour of minutes) of one lane."""

    group: str
    adds: dict[str, int]
    first: str
    last: str
    size: int  # how many contributions it sums


def audience_groups(contributions: Iterable[Contribution]) -> dict[str, list[Contribution]]:
    """Group contributions (keeping stream order) by the audience tallies they touch (none for a ballot cast before
    the audience)."""
    groups: dict[str, list[Contribution]] = {}
    for item in contributions:
        if not item.in_audience:
            continue
        for group in attribute_names(item.dimensions, item.options, item.cast_at):
            groups.setdefault(group, []).append(item)
    return dict(sorted(groups.items()))


def cap_sites(
    contributions: Sequence[Contribution], known: set[str], limit: int = MAX_SITES
) -> tuple[list[Contribution], set[str]]:
    """Count a site the shard's site tally does not name yet as "other" once the tally names `limit` sites; return
    the contributions and the sites named. (Only then can a void land on another line than its vote: on "other" in
    one shard's tally, its site in another's; every total stays exact.)"""
    named, capped = set(known), []
    for item in contributions:
        site = item.dimensions.site
        if site in named or len(named) < limit:
            named.add(site)
            capped.append(item)
        else:
            capped.append(replace(item, dimensions=replace(item.dimensions, site=OTHER)))
    return capped, named


def audience_run(group: str, contributions: Sequence[Contribution], limit: int = MAX_AUDIENCE_NAMES) -> AudienceDelta:
    """Sum the longest first run of contributions to one audience tally that adds to at most `limit` names (a
    ballot's own names always fit), so every write is one expression and moves the tally's mark over a prefix."""
    adds: dict[str, int] = {}
    size = 0
    for item in contributions:
        names = attribute_names(item.dimensions, item.options, item.cast_at)[group]
        if size and len(adds.keys() | names.keys()) > limit:
            break
        for name, n in names.items():
            adds[name] = adds.get(name, 0) + n * item.sign
        size += 1
    return AudienceDelta(
        group, {k: v for k, v in adds.items() if v}, contributions[0].sequence, contributions[size - 1].sequence, size
    )


def past(contributions: Iterable[Contribution], mark: str | None) -> list[Contribution]:
    """Return the contributions a tally marked `mark` has not applied yet (all of them when it has no mark)."""
    return [item for item in contributions if mark is None or item.sequence > mark]


def grouped(contributions: Iterable[Contribution]) -> dict[tuple[str, str], list[Contribution]]:
    """Group contributions by poll incarnation, keeping stream order within each group."""
    groups: dict[tuple[str, str], list[Contribution]] = {}
    for item in contributions:
        groups.setdefault((item.poll_id, item.incarnation), []).append(item)
    return groups


@dataclass(frozen=True)
class Lane:
    """Where one stream shard's records of one poll incarnation are folded."""

    poll_id: str
    incarnation: str
    shard: str


def live_key(shard: str, sealed_mark: str | None) -> str:
    """Return the tally a stream shard folds into: its first, or the one begun when its last was sealed at a mark."""
    return shard if sealed_mark is None else f"{shard}@{sealed_mark}"


@dataclass(frozen=True)
class Tally:
    """One stream shard's tally item: what it folded, up to which sequence number, and whether it is sealed."""

    key: str  # live_key(shard, ...)
    shard: str
    counts: Counts
    mark: str
    at: int  # when it last folded a record
    sealed: bool = False


@dataclass(frozen=True)
class Base:
    """A poll incarnation's base tally: the sealed tallies it absorbed (key -> mark) and when each was dropped."""

    counts: Counts = field(default_factory=Counts)
    absorbed: Mapping[str, str] = field(default_factory=dict)
    dropped: Mapping[str, int] = field(default_factory=dict)
    revision: int = 0  # counts the base's changes, so a correction is applied only over what was read

    def has_absorbed(self, tally: Tally) -> bool:
        """Tell whether this tally's counts are already in the base (it was sealed at this mark and absorbed)."""
        found = self.absorbed.get(tally.key)
        return found is not None and found >= tally.mark


def total(base: Base, tallies: Iterable[Tally]) -> Counts:
    """Add up a poll incarnation's counts: the base, and every tally it has not absorbed."""
    counts = base.counts.copy()
    for tally in tallies:
        if not base.has_absorbed(tally):
            counts.merge(tally.counts.votes, tally.counts.voters)
    return counts


@dataclass(frozen=True)
class Compaction:
    """What the snapshot job does next to a poll's tallies: seal and absorb, drop, then forget."""

    seal: list[Tally]  # idle tallies to seal and absorb into the base (one transaction)
    drop: list[Tally]  # sealed tallies the base has absorbed: delete them
    forget: list[str]  # absorbed keys whose tally was dropped long enough ago: the base may forget them

    @property
    def empty(self) -> bool:
        """Tell whether there is nothing to do."""
        return not (self.seal or self.drop or self.forget)


def compaction(base: Base, tallies: Sequence[Tally], now: int, idle_seconds: int, forget_seconds: int) -> Compaction:
    """Plan the next compaction steps: tallies idle for `idle_seconds` are sealed, then dropped, then forgotten.

    Each step leaves every read exact: a sealed tally keeps its counts until the base holds them (one transaction
    seals it and absorbs it), a dropped one is gone only after the base has it, and the base forgets a dropped tally
    `forget_seconds` later, when no read can still see it.
    """
    present = {tally.key for tally in tallies}
    seal = [t for t in tallies if not t.sealed and t.at <= now - idle_seconds and not base.has_absorbed(t)]
    drop = [t for t in tallies if t.sealed and base.has_absorbed(t)]
    forget = [
        key
        for key, at in base.dropped.items()
        if key not in present and key in base.absorbed and at <= now - forget_seconds
    ]
    return Compaction(seal=seal, drop=drop, forget=sorted(forget))
