"""Audience: where a vote came from (country, embedding site, surface, minute), and breakdowns shown with care.

Nothing here identifies a person: a country code, a registrable domain, the kind of page, the minute. Breakdowns
move every count by keyed noise, merge every group showing fewer than the stage's minimum into "other", and make
"other" itself big enough (or empty), so no small group can be singled out, and two reads a vote apart leave the
voter's group and choice a guess.
"""

from __future__ import annotations

import csv
import hashlib
import io
import ipaddress
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

from chalicelib.core.counts import Counts

UNKNOWN, DIRECT, OTHER = "unknown", "direct", "other"
SURFACES = ("widget", "hosted", "form", "api")
DIMENSIONS = {"c": "countries", "s": "sites", "f": "surfaces"}  # a group's letter -> the breakdown's name
MINUTES = "m"
SEP = "|"  # joins a dimension, its key and an option in a tally's attribute name (no key can hold it)
COUNTRY_RE = re.compile(r"[A-Z]{2}")
SITE_RE = re.compile(r"[a-z0-9][a-z0-9.-]{0,99}")  # a registrable domain, as a key: never the separator
RESERVED = frozenset({UNKNOWN, DIRECT, OTHER})  # keys the breakdowns give a meaning of their own
DEFAULT_MIN_GROUP = 10
DEFAULT_NOISE = 2  # the mean size of what is added to each count a breakdown shows
AUDIENCE_BUCKETS = 16  # partitions a poll's audience tallies spread over, by stream shard (an editor's read: each)


@dataclass(frozen=True)
class Dimensions:
    """What the edge knows of a vote without knowing who cast it."""

    country: str = UNKNOWN
    site: str = UNKNOWN
    surface: str = UNKNOWN

    def keys(self) -> dict[str, str]:
        """Return the vote's key in each dimension, by the dimension's letter."""
        return {"c": self.country, "s": self.site, "f": self.surface}


NOWHERE = Dimensions()  # a vote whose origin nothing tells


def country_code(value: str | None) -> str:
    """Return an ISO 3166 alpha-2 code as CloudFront sends it (upper case), or "unknown"."""
    code = (value or "").strip().upper()
    return code if COUNTRY_RE.fullmatch(code) else UNKNOWN


@lru_cache(maxsize=1)
def _suffixes() -> PublicSuffixList:
    """Return the public suffix list (the snapshot the package ships: no network), read once."""
    return PublicSuffixList()


def registrable_site(url: str | None) -> str:
    """Return the registrable domain of a page's URL or origin (an address or single label as it is); "direct"
    without one, "unknown" when it cannot be read."""
    if not url or url.strip() in ("", "null"):
        return DIRECT
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return UNKNOWN
    if not host:
        return UNKNOWN
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:  # an address is its own site; an IPv6 zone id is free text, so such an address is not one
        return UNKNOWN if getattr(address, "scope_id", None) else str(address)
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return UNKNOWN
    site = str(_suffixes().privatesuffix(host) or host)
    return site if SITE_RE.fullmatch(site) and site not in RESERVED else UNKNOWN


def surface_of(*, form: bool, origin: str | None, site_url: str | None) -> str:
    """Return the surface a vote came through: the no-JS form, our hosted page, a page that embeds the poll, or a
    program (no Origin)."""
    if form:
        return "form"
    if not origin or origin == "null":
        return "api"
    own = (site_url or "").rstrip("/")
    return "hosted" if own and origin.rstrip("/") == own else "widget"


def minute_of(at: int) -> int:
    """Return the epoch second of the minute a time falls in."""
    return int(at) // 60 * 60


def hour_of(at: int) -> int:
    """Return the epoch second of the hour a time falls in (minutes are folded into one item per hour)."""
    return int(at) // 3600 * 3600


def attribute_names(dimensions: Dimensions, options: Iterable[str], at: int) -> dict[str, dict[str, int]]:
    """Return what one ballot adds to the audience tallies: {group: {attribute: 1}} (voters and votes per option
    in each dimension; voters in its minute, grouped by hour). A key holding the separator counts as "unknown"."""
    names: dict[str, dict[str, int]] = {}
    chosen = [option for option in options if SEP not in option]
    for letter, found in dimensions.keys().items():
        key = UNKNOWN if SEP in found or not found else found
        group = names.setdefault(letter, {})
        group[SEP.join((letter, key))] = 1
        for option in chosen:
            group[SEP.join((letter, key, option))] = 1
    names[f"{MINUTES}{hour_of(at)}"] = {SEP.join((MINUTES, str(minute_of(at)))): 1}
    return names


@dataclass
class Audience:
    """A poll's folded audience: counts per key in each dimension, and voters per minute."""

    groups: dict[str, dict[str, Counts]] = field(default_factory=lambda: {letter: {} for letter in DIMENSIONS})
    minutes: dict[int, int] = field(default_factory=dict)

    def add(self, attributes: Mapping[str, int]) -> Audience:
        """Add one audience tally's attributes (as attribute_names writes them)."""
        for name, n in attributes.items():
            parts = name.split(SEP)
            if parts[0] == MINUTES and len(parts) == 2 and parts[1].isdigit():
                self.minutes[int(parts[1])] = self.minutes.get(int(parts[1]), 0) + int(n)
            elif parts[0] in DIMENSIONS and len(parts) in (2, 3):
                counts = self.groups[parts[0]].setdefault(parts[1], Counts())
                if len(parts) == 2:
                    counts.voters += int(n)
                else:
                    counts.votes[parts[2]] = counts.votes.get(parts[2], 0) + int(n)
        return self


Noise = Callable[[str, str], int]  # (group key, field) -> what to add to that count


def no_noise(key: str, name: str) -> int:
    """Add nothing (a stage that shows exact breakdowns)."""
    return 0


def jitter(digest: bytes, scale: int) -> int:
    """Return a two-sided geometric (discrete Laplace) draw from a keyed digest: mostly small (its mean size about
    `scale`), never bounded, so no difference of two draws is impossible and none gives a change away for certain."""
    if scale <= 0:
        return 0
    first, second = ((int.from_bytes(digest[i : i + 8], "big") + 0.5) / 2**64 for i in (0, 8))
    return int(-scale * math.log(first)) - int(-scale * math.log(second))  # two geometric draws, subtracted


def state_digest(audience: Audience) -> str:
    """Return a digest of everything a breakdown is drawn from: any vote or void changes it."""
    groups = {
        letter: {k: [c.voters, sorted(c.votes.items())] for k, c in sorted(found.items())}
        for letter, found in sorted(audience.groups.items())
    }
    return hashlib.sha256(json.dumps(groups, sort_keys=True).encode()).hexdigest()


def breakdown(
    groups: Mapping[str, Counts], option_ids: list[str], min_group: int, noise: Noise = no_noise
) -> list[dict[str, Any]]:
    """Return one dimension's groups as shown: each count moved by `noise` (never below zero), every group whose
    shown voters are under `min_group` merged into "other", largest shown first, "other" last.

    "other" is then either empty or shows at least `min_group` voters: while it does not, the smallest group shown
    joins it, so the total (which the results show) minus the groups shown isolates no small group. Every decision and
    the order follow the numbers shown, never the exact ones: with the noise (keyed, drawn afresh for every number
    whenever any count changes, the same for the same counts), a difference of two reads a vote apart leaves
    uncertain which group the voter joined and what they chose.
    """

    def shown(key: str, counts: Counts) -> int:
        return max(1, counts.voters + noise(key, ""))

    ranked = sorted(
        ((key, counts, shown(key, counts)) for key, counts in groups.items() if counts.voters > 0 and key != OTHER),
        key=lambda row: (-row[2], row[0]),
    )
    kept = [row for row in ranked if row[2] >= min_group]
    hidden = [(key, counts) for key, counts, voters in ranked if voters < min_group]
    if groups.get(OTHER) is not None and groups[OTHER].voters > 0:
        hidden.append((OTHER, groups[OTHER]))
    merged = Counts()
    for _, counts in hidden:
        merged.merge(counts.votes, counts.voters)
    while hidden and kept and shown(OTHER, merged) < min_group:
        key, counts, _ = kept.pop()
        hidden.append((key, counts))
        merged.merge(counts.votes, counts.voters)
    rows = [(key, counts, voters) for key, counts, voters in kept]
    if hidden:
        rows.append((OTHER, merged, shown(OTHER, merged)))
    return [
        {
            "key": key,
            "voters": voters,
            "options": {o: max(0, counts.votes.get(o, 0) + noise(key, o)) for o in option_ids},
        }
        for key, counts, voters in rows
    ]


def audience_csv(report: Mapping[str, Any], option_ids: list[str]) -> bytes:
    """Render an audience report as CSV (UTF-8 with a BOM): a row per group of each dimension, then the hours before
    the minutes, then the minutes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["dimension", "key", "voters", *(f"votes_{o}" for o in option_ids)])
    for name in DIMENSIONS.values():
        for row in report[name]:
            writer.writerow([name, row["key"], row["voters"], *(row["options"].get(o, 0) for o in option_ids)])
    for point in report.get("hours", []):
        writer.writerow(["hours", point["hour"], point["voters"], *("" for _ in option_ids)])
    for point in report["minutes"]:
        writer.writerow(["minutes", point["minute"], point["voters"], *("" for _ in option_ids)])
    return buffer.getvalue().encode("utf-8-sig")
