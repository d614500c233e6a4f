"""The audience's rules: what a vote's origin is (country, site, surface), how the fold sums it exactly, and how a
breakdown merges small groups so that no read, nor a read minus the results, singles out a few voters."""

from __future__ import annotations

import hashlib
import random
import statistics

import pytest

from chalicelib.core.audience import (
    Audience,
    Dimensions,
    attribute_names,
    breakdown,
    country_code,
    jitter,
    registrable_site,
    surface_of,
)
from chalicelib.core.counts import Counts
from chalicelib.core.ledger import (
    MAX_AUDIENCE_NAMES,
    Contribution,
    audience_groups,
    audience_run,
    cap_sites,
    sequence_key,
)
from chalicelib.core.ledger import contribution as ledger_contribution
from chalicelib.services import fold, polls, votes
from tests.unit.memory import UNPROTECTED


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.bbc.co.uk", "bbc.co.uk"),
        ("https://news.example.com:8443/path?q=1", "example.com"),
        ("https://WWW.Example.COM.", "example.com"),
        ("https://a.b.github.io/page", "b.github.io"),  # a private suffix: each user's site is its own
        ("http://localhost:8000", "localhost"),
        ("http://127.0.0.2:9000", "127.0.0.2"),
        ("http://[2001:db8::1]:80", "2001:db8::1"),
        ("https://bücher.example", "xn--bcher-kva.example"),
        (None, "direct"),
        ("", "direct"),
        ("null", "direct"),  # a sandboxed frame's Origin
        ("https://", "unknown"),
        ("https://exa mple.com", "unknown"),
        ("https://" + "a" * 120 + ".com", "unknown"),
        ("https://evil.com<script>", "unknown"),
        ("http://[::1", "unknown"),
        ("http://[fe80::1%25" + "a" * 5000 + "]", "unknown"),  # an IPv6 zone id is free text of any length
        ("http://[fe80::1%25<img src=x onerror=alert(1)>]", "unknown"),
        ("http://[fe80::1%25x|yes]", "unknown"),
        ("http://other", "unknown"),  # the breakdowns' own keys are never a site's
        ("http://direct", "unknown"),
        ("http://unknown:80", "unknown"),
    ],
)
def test_the_site_is_the_registrable_domain_of_the_page(url, site):
    assert registrable_site(url) == site


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("GB", "GB"),
        ("fr", "FR"),
        (" DE ", "DE"),
        ("GBR", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
        ("G1", "unknown"),
    ],
)
def test_the_country_is_an_alpha_2_code_or_unknown(header, code):
    assert country_code(header) == code


@pytest.mark.parametrize(
    ("form", "origin", "site_url", "surface"),
    [
        (True, None, None, "form"),
        (True, "https://polls.example.org", "https://polls.example.org", "form"),
        (False, "https://polls.example.org", "https://polls.example.org/", "hosted"),
        (False, "https://news.example.com", "https://polls.example.org", "widget"),
        (False, "https://news.example.com", None, "widget"),
        (False, None, "https://polls.example.org", "api"),
        (False, "null", None, "api"),
    ],
)
def test_the_surface_is_told_by_the_route_and_the_origin(form, origin, site_url, surface):
    assert surface_of(form=form, origin=origin, site_url=site_url) == surface


def groups(*sizes: int) -> dict[str, Counts]:
    return {f"k{index}": Counts(votes={"a": n}, voters=n) for index, n in enumerate(sizes)}


@pytest.mark.parametrize(
    ("sizes", "min_group", "shown"),
    [
        ((12, 1), 10, {"other": 13}),  # GB alone would leave one voter in "other"
        ((12, 10, 3), 10, {"k0": 12, "other": 13}),  # the smallest shown joins "other" until it is big enough
        ((12, 10), 10, {"k0": 12, "k1": 10}),  # nothing small: no "other"
        ((3, 2), 10, {"other": 5}),
        ((20, 15, 12, 4, 4, 3), 10, {"k0": 20, "k1": 15, "k2": 12, "other": 11}),
        ((), 10, {}),
        ((2, 2), 2, {"k0": 2, "k1": 2}),
    ],
)
def test_small_groups_are_merged_into_other(sizes, min_group, shown):
    rows = breakdown(groups(*sizes), ["a"], min_group)
    assert {row["key"]: row["voters"] for row in rows} == shown
    assert [row["key"] for row in rows] == sorted(shown, key=lambda key: (key == "other", -shown[key]))


@pytest.mark.parametrize("min_group", [2, 5, 10, 25])
def test_no_breakdown_nor_its_difference_with_the_total_isolates_a_small_group(min_group):
    chance = random.Random(min_group)
    for _ in range(300):
        sizes = [
            chance.choice([1, 1, 2, 3, min_group - 1, min_group, min_group + 1, 40])
            for _ in range(chance.randint(0, 8))
        ]
        rows = breakdown(groups(*sizes), ["a"], min_group)
        assert sum(row["voters"] for row in rows) == sum(sizes)
        assert all(row["voters"] >= min_group for row in rows if row["key"] != "other")
        other = sum(row["voters"] for row in rows if row["key"] == "other")
        assert other == 0 or other >= min_group or len(rows) == 1  # alone, "other" is the total the results show
        assert [row["options"]["a"] for row in rows] == [row["voters"] for row in rows]


def contribution(number: int, site: str, sign: int = 1, options: tuple[str, ...] = ("yes",)) -> Contribution:
    return Contribution(
        poll_id="p",
        incarnation="i",
        sequence=sequence_key(str(10**20 + number)),
        options=options,
        sign=sign,
        at=1_800_000_000,
        dimensions=Dimensions(country="GB", site=site, surface="widget"),
        cast_at=1_800_000_000,
    )


def test_past_the_cap_a_new_site_counts_as_other_and_a_named_one_keeps_its_line():
    items = [contribution(n, f"site{n}.com") for n in range(5)] + [contribution(9, "site0.com", sign=-1)]
    capped, named = cap_sites(items, {"known.com"}, limit=3)
    assert [c.dimensions.site for c in capped] == ["site0.com", "site1.com", "other", "other", "other", "site0.com"]
    assert named == {"known.com", "site0.com", "site1.com"}


def test_a_run_adds_to_at_most_the_names_one_write_holds_and_spans_a_prefix():
    options = tuple(f"o{n}" for n in range(20))
    items = [contribution(n, f"site{n}.com", options=options) for n in range(12)]
    run = audience_run("s", items)
    assert run.size == 4 and len(run.adds) == 4 * 21 <= MAX_AUDIENCE_NAMES
    assert (run.first, run.last) == (items[0].sequence, items[3].sequence)
    assert audience_run("s", items[:1], limit=1).size == 1  # one ballot's names always fit


def test_a_key_holding_the_separator_counts_as_unknown_and_never_splits_a_name():
    names = attribute_names(Dimensions("GB", "x|yes", "widget"), ["no"], 1_800_000_000)
    assert names["s"] == {"s|unknown": 1, "s|unknown|no": 1}
    assert all(name.count("|") <= 2 for group in names.values() for name in group)


def test_audience_reads_back_what_was_added_and_ignores_other_names():
    found = Audience().add({"c|GB": 2, "c|GB|yes": 2, "m|1800000000": 2, "mark": 5, "x|y": 1, "m|soon": 1})
    assert found.groups["c"]["GB"] == Counts(votes={"yes": 2}, voters=2)
    assert found.minutes == {1800000000: 2}


def test_the_fold_counts_each_ballot_once_in_every_dimension_however_its_batch_comes(memory):
    poll = polls.create({"question": "Build the bridge?", "options": ["Yes", "No"], **UNPROTECTED})
    origins = [Dimensions("GB", "bbc.co.uk", "widget"), Dimensions("FR", "direct", "api")]
    for index in range(10):
        ballot = {"options": ["yes" if index % 2 else "no"], "voter": f"reader-{index:05d}"}
        votes.cast(poll.id, ballot, f"192.0.2.{index}", dimensions=origins[index % 2])
    event = memory.batch()
    first, second = dict(event, Records=event["Records"][:3]), dict(event, Records=event["Records"][3:])
    for delivery in (first, event, first, second, event):
        fold.reset()
        fold.fold(delivery)
    found = memory.audience(poll)
    assert {k: (c.voters, c.votes) for k, c in found.groups["c"].items()} == {
        "GB": (5, {"no": 5}),
        "FR": (5, {"yes": 5}),
    }
    assert {k: c.voters for k, c in found.groups["s"].items()} == {"bbc.co.uk": 5, "direct": 5}
    assert {k: c.voters for k, c in found.groups["f"].items()} == {"widget": 5, "api": 5}
    assert sum(found.minutes.values()) == 10


def test_a_ballot_cast_before_the_audience_is_never_taken_off_it():
    image = {"poll": "p", "inc": "i", "options": ["yes"], "at": 1_800_000_000}
    kept = {**image, "cty": "GB", "site": "bbc.co.uk", "surf": "widget"}
    voided = contribution_of("MODIFY", image, {**image, "voided_at": 1_800_000_100})
    cast = contribution_of("INSERT", None, kept)
    assert voided is not None and cast is not None
    assert (voided.sign, voided.in_audience, cast.in_audience) == (-1, False, True)
    assert list(audience_groups([voided, cast])["c"]) == [cast]  # the old ballot's void leaves "unknown" alone


def contribution_of(event: str, old, new):
    return ledger_contribution(event, old, new, by_ttl=False, sequence=str(10**20 + 7), at=1_800_000_200)


@pytest.mark.parametrize("scale", [1, 2, 5])
def test_the_noise_is_centred_its_mean_size_is_its_scale_and_no_size_is_out_of_reach(scale):
    drawn = [jitter(hashlib.sha256(str(n).encode()).digest(), scale) for n in range(20_000)]
    assert abs(statistics.mean(drawn)) < 0.1 * scale
    assert 0.8 * scale < statistics.mean(abs(x) for x in drawn) < 1.2 * scale
    assert max(drawn) > 4 * scale and min(drawn) < -4 * scale  # unbounded: no difference is impossible
    assert jitter(hashlib.sha256(b"same").digest(), scale) == jitter(hashlib.sha256(b"same").digest(), scale)


def test_without_noise_nothing_is_added():
    assert {jitter(hashlib.sha256(str(n).encode()).digest(), 0) for n in range(100)} == {0}


@pytest.mark.parametrize(
    ("moved", "shown"),
    [
        ({"k0": 0, "k1": -1, "k2": 0}, {"k0": 12, "other": 14}),  # ten voters shown as nine: merged
        ({"k2": 2}, {"k0": 12, "other": 14}),  # "other" shows 4 (under 10): the smallest shown group joins it
        ({"k2": 2, "other": 6}, {"k0": 12, "k1": 10, "other": 10}),  # "other" is judged as shown: 4 + 6 is enough
        ({"k0": -3, "k1": 1}, {"k1": 11, "other": 16}),  # twelve shown as nine: merged; the order as shown
    ],
)
def test_merging_and_order_follow_the_numbers_shown_not_the_exact_ones(moved, shown):
    sizes = groups(12, 10, 4)

    def noise(key, name):
        return moved.get(key, 0) if name == "" else 0

    rows = breakdown(sizes, ["a"], 10, noise)
    assert {row["key"]: row["voters"] for row in rows} == shown
    assert [row["key"] for row in rows] == sorted(shown, key=lambda key: (key == "other", -shown[key], key))


def test_noise_never_takes_a_count_below_zero_nor_a_group_below_one_voter():
    rows = breakdown(groups(12, 11), ["a"], 10, noise=lambda key, name: -100)
    assert [(row["key"], row["voters"], row["options"]["a"]) for row in rows] == [("other", 1, 0)]
