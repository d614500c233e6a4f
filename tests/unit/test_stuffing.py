"""Stuffing defences on the in-memory store: proofs of work, address windows across processes, forensics and voids."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.core.errors import (
    AddressLimitReached,
    AlreadyVoted,
    ChallengeFailed,
    ChallengeRequired,
    ChallengeUsed,
    InvalidJson,
    InvalidParameter,
)
from chalicelib.core.poll import DEFAULT_ADDRESS_LIMIT, Challenge, ProofAlgorithm
from chalicelib.runtime import state
from chalicelib.runtime.settings import get_settings
from chalicelib.services import catalog, challenges, forensics, polls, recount, results, votes
from tests.proofs import CHEAP_POW, solve, tampered
from tests.unit.conftest import fold_all
from tests.unit.memory import UNPROTECTED


@pytest.fixture
def cheap(monkeypatch, memory):
    for name, value in CHEAP_POW.items():
        monkeypatch.setenv(name, value)
    state.reset_all()  # settings are read again; the in-memory store stays in place
    from chalicelib.store import adapters

    adapters.use(memory, adapters.archive())
    return memory


def new(**fields):
    return polls.create({"question": "Build the bridge?", "options": ["Yes", "No"], **fields})


def total(memory, poll_id):
    """Return the poll's voters once the fold has caught up with every vote so far."""
    fold_all(memory)
    return results.current(poll_id).counts.voters


def cast(poll, voter, ip="192.0.2.1", option="yes", **extra):
    return votes.cast(poll.id, {"options": [option], "voter": voter, **extra}, ip)


def test_a_new_poll_asks_for_proof_of_work_and_limits_addresses_by_default(memory):
    poll = new()
    assert poll.challenge is Challenge.PROOF_OF_WORK
    assert poll.address_limit == DEFAULT_ADDRESS_LIMIT
    assert poll.public_dict(0)["challenge"] == "proof_of_work"


def test_an_editor_can_relax_a_polls_protection(memory):
    poll = new()
    relaxed = polls.change(poll.id, {"challenge": "none", "address_limit": None})
    assert (relaxed.challenge, relaxed.address_limit) == (Challenge.NONE, None)
    assert memory.polls[poll.id].challenge is Challenge.NONE


def test_issuing_a_challenge_for_a_cached_poll_makes_no_store_call(cheap):
    poll = new(address_limit=None)
    cheap.calls.clear()
    document = challenges.issue(poll.id)
    assert cheap.calls == []
    assert set(document) == {"parameters", "signature"}
    assert document["parameters"]["data"] == {"poll": poll.id, "surge": 0}
    assert document["parameters"]["algorithm"] == "SCRYPT"


def test_a_solved_proof_counts_the_vote_once_and_cannot_be_spent_again(cheap):
    poll = new(address_limit=None)
    proof = solve(challenges.issue(poll.id))
    cast(poll, "reader-0001", proof=proof)
    with pytest.raises(ChallengeUsed):
        cast(poll, "reader-0002", proof=proof)
    assert total(cheap, poll.id) == 1


def test_a_token_bought_challenge_spends_its_token_so_a_second_cheap_proof_is_refused(cheap):
    poll = new(address_limit=None)
    first, second = (solve(challenges.issue(poll.id, token="keyed-token-id")) for _ in range(2))
    cast(poll, "reader-0001", proof=first)
    with pytest.raises(ChallengeUsed, match="Private Access Token"):
        cast(poll, "reader-0002", proof=second)
    assert total(cheap, poll.id) == 1


@pytest.mark.parametrize(
    ("algorithm", "divisor", "surge", "token", "cost", "spread"),
    [
        ("pbkdf2", 10, 0, False, 5000, 400),
        ("pbkdf2", 10, 0, True, 5000, 40),
        ("pbkdf2", 1, 0, True, 5000, 400),
        ("pbkdf2", 10_000_000, 0, True, 5000, 1),  # never below one step
        ("pbkdf2", 10, 1, False, 5000, 3200),
        ("pbkdf2", 10, 2, False, 5000, 25_600),  # the reader's work x64; the server's derivation stays one
        ("pbkdf2", 10, 2, True, 5000, 2560),  # a token lightens a surge's work, never lifts it
        ("scrypt", 10, 0, False, 4096, 80),  # scrypt's N is the reader's memory: it stays
        ("scrypt", 10, 0, True, 4096, 8),
        ("scrypt", 1000, 0, True, 4096, 1),  # never below one step
        ("scrypt", 10, 1, False, 4096, 640),
        ("scrypt", 10, 2, True, 4096, 512),
    ],
)
def test_a_surge_multiplies_and_a_token_divides_a_challenges_steps_never_below_one(
    monkeypatch, algorithm, divisor, surge, token, cost, spread
):
    monkeypatch.setenv("PRIVATE_TOKEN_DIVISOR", str(min(divisor, 1000)))
    state.reset_all()
    settings = get_settings()
    if divisor > 1000:  # beyond the setting's range: the floor of one still holds
        settings = replace(settings, private_token_divisor=divisor)
    parameters, drawn_from = challenges.work(settings, ProofAlgorithm(algorithm), surge, token)
    assert (parameters["cost"], drawn_from) == (cost, spread)
    state.reset_all()


@pytest.mark.parametrize(
    ("make_proof", "error"),
    [
        (lambda poll, other: None, ChallengeRequired),
        (lambda poll, other: "not base64 at all", ChallengeFailed),
        (lambda poll, other: solve(challenges.issue(other.id)), ChallengeFailed),
        (lambda poll, other: tampered(solve(challenges.issue(poll.id)), cost=2), ChallengeFailed),
        (lambda poll, other: tampered(solve(challenges.issue(poll.id)), data={"poll": other.id}), ChallengeFailed),
    ],
    ids=["missing", "garbage", "another poll's", "tampered cost", "tampered poll"],
)
def test_a_vote_without_a_valid_proof_for_this_poll_is_refused_and_not_counted(cheap, make_proof, error):
    poll, other = new(address_limit=None), new(address_limit=None)
    proof = make_proof(poll, other)
    with pytest.raises(error):
        cast(poll, "reader-0001", **({} if proof is None else {"proof": proof}))
    assert total(cheap, poll.id) == 0 and "write_vote" not in cheap.calls


def test_an_expired_proof_is_refused(cheap, frozen):
    poll = new(address_limit=None)
    proof = solve(challenges.issue(poll.id))
    frozen["now"] += 301
    with pytest.raises(ChallengeFailed, match="expired"):
        cast(poll, "reader-0001", proof=proof)


def test_an_address_window_refuses_votes_past_its_allowance_until_the_next_window(memory, frozen):
    poll = new(challenge="none", address_limit={"votes": 3, "minutes": 10})
    for index in range(3):
        cast(poll, f"reader-{index:04d}")
    with pytest.raises(AddressLimitReached) as refused:
        cast(poll, "reader-0009")
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 600
    cast(poll, "reader-0010", ip="192.0.2.2")  # another address
    frozen["now"] += 600
    cast(poll, "reader-0011")  # the next window
    assert total(memory, poll.id) == 5


def test_the_address_window_holds_across_processes(memory):
    poll = new(challenge="none", address_limit={"votes": 2, "minutes": 10})
    for index in range(2):
        cast(poll, f"reader-{index:04d}")
        state.reset_all()  # another Lambda: no cache, no token bucket; the store is shared
        from chalicelib.store import adapters

        adapters.use(memory)
    with pytest.raises(AddressLimitReached):
        cast(poll, "reader-0009")


def second_refused(poll, first, second):
    """Cast a vote from `first`, then one from `second`; return whether the second met a full window."""
    cast(poll, "reader-0001", ip=first)
    try:
        cast(poll, "reader-0002", ip=second)
    except AddressLimitReached:
        return True
    return False


@pytest.mark.parametrize(
    ("first", "second", "shared"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("192.0.2.1", "::ffff:192.0.2.1", True),
        ("192.0.2.1", "192.0.2.2", False),
    ],
    ids=["one /64", "two /64s", "IPv4-mapped", "two IPv4 addresses"],
)
def test_addresses_share_a_window_exactly_when_they_share_a_prefix(memory, first, second, shared):
    poll = new(challenge="none", address_limit={"votes": 1, "minutes": 10})
    assert second_refused(poll, first, second) is shared


@pytest.mark.parametrize(
    ("block", "first", "second", "shared"),
    [
        ("ipv4_24", "192.0.2.1", "192.0.2.200", True),
        ("ipv4_24", "192.0.2.1", "192.0.3.1", False),
        ("ipv4_24", "192.0.2.1", "::ffff:192.0.2.9", True),
        ("ipv4_24", "192.0.2.1", "2001:db8::1", False),
        ("ipv6_56", "2001:db8:0:100::1", "2001:db8:0:1ff::1", True),
        ("ipv6_56", "2001:db8:0:100::1", "2001:db8:0:200::1", False),
        ("ipv6_48", "2001:db8:1:100::1", "2001:db8:1:ff00::1", True),
        ("ipv6_48", "2001:db8:1::1", "2001:db8:2::1", False),
        ("ipv6_48", "2001:db8:1::1", "192.0.2.1", False),
    ],
    ids=[
        "one /24",
        "two /24s",
        "IPv4-mapped in the /24",
        "IPv4 then IPv6",
        "two /64s of one /56",
        "two /56s",
        "two /56s of one /48",
        "two /48s",
        "IPv6 then IPv4",
    ],
)
def test_addresses_share_a_block_window_exactly_when_they_are_in_the_block(memory, block, first, second, shared):
    limit = {"votes": 100, "minutes": 10, "blocks": {block: {"votes": 1, "minutes": 60}}}
    poll = new(challenge="none", address_limit=limit)
    assert second_refused(poll, first, second) is shared


def test_a_full_block_says_when_its_own_window_ends(memory, frozen):
    limit = {"votes": 100, "minutes": 10, "blocks": {"ipv4_24": {"votes": 2, "minutes": 60}}}
    poll = new(challenge="none", address_limit=limit)
    for index in range(2):
        cast(poll, f"reader-{index:04d}", ip=f"198.51.100.{index + 1}")
    with pytest.raises(AddressLimitReached) as refused:
        cast(poll, "reader-0009", ip="198.51.100.99")
    assert int(refused.value.headers["Retry-After"]) == 3600 - int(frozen["now"]) % 3600
    cast(poll, "reader-0010", ip="198.51.101.1")  # another /24
    frozen["now"] += 3600
    cast(poll, "reader-0011", ip="198.51.100.99")  # the block's next window
    assert total(memory, poll.id) == 4


@pytest.mark.parametrize(
    ("given", "blocks"),
    [
        ({"votes": 60, "minutes": 10}, {"ipv4_24": (500, 60), "ipv6_48": (2000, 60), "ipv6_56": (500, 60)}),
        ({"votes": 60, "minutes": 10, "blocks": {}}, {}),
        (
            {"votes": 60, "minutes": 10, "blocks": {"ipv4_24": None, "ipv6_48": {"votes": 9, "minutes": 5}}},
            {"ipv6_48": (9, 5)},
        ),
    ],
    ids=["left out: the defaults", "none", "some"],
)
def test_a_polls_blocks_are_the_defaults_unless_it_names_them(memory, given, blocks):
    poll = new(address_limit=given)
    shown = poll.admin_dict(0)["address_limit"]["blocks"]
    assert {name: (b["votes"], b["minutes"]) for name, b in shown.items()} == blocks
    assert catalog.fresh_poll(poll.id).address_limit == poll.address_limit


def test_with_the_address_and_its_block_both_full_the_wait_is_until_the_later_window_ends(memory, frozen):
    limit = {"votes": 1, "minutes": 10, "blocks": {"ipv4_24": {"votes": 1, "minutes": 60}}}
    poll = new(challenge="none", address_limit=limit)
    cast(poll, "reader-0001", ip="198.51.100.1")
    with pytest.raises(AddressLimitReached) as refused:
        cast(poll, "reader-0002", ip="198.51.100.1")
    assert int(refused.value.headers["Retry-After"]) == 3600 - int(frozen["now"]) % 3600  # not the address's 600


@pytest.mark.parametrize(
    ("before", "change", "blocks"),
    [
        ({"votes": 5, "minutes": 10, "blocks": {}}, {"votes": 9, "minutes": 10}, {}),
        (None, {"votes": 9, "minutes": 10}, {"ipv4_24": (500, 60), "ipv6_48": (2000, 60), "ipv6_56": (500, 60)}),
    ],
    ids=["a poll without blocks keeps none", "a poll without a limit gets the defaults"],
)
def test_a_change_that_leaves_blocks_out_keeps_the_polls_own(memory, before, change, blocks):
    poll = new(address_limit=before)
    changed = polls.change(poll.id, {"address_limit": change})
    shown = changed.admin_dict(0)["address_limit"]["blocks"]
    assert {name: (b["votes"], b["minutes"]) for name, b in shown.items()} == blocks


def test_fifty_readers_behind_one_address_and_three_hundred_in_one_24_vote_under_the_defaults(memory):
    poll = new(challenge="none")
    for index in range(50):
        cast(poll, f"nat-{index:04d}", ip="203.0.113.7")
    for index in range(250):
        cast(poll, f"campus-{index:04d}", ip=f"203.0.113.{10 + index % 200}")
    assert total(memory, poll.id) == 300


def stuffed(memory):
    poll = new(**UNPROTECTED)
    for index in range(5):
        cast(poll, f"stuffer-{index:04d}", ip="198.51.100.7", option="no")
    for index in range(3):
        cast(poll, f"reader-{index:04d}", ip=f"192.0.2.{index + 1}")
    return poll


def test_forensics_lists_the_busiest_source_first_with_its_choices(memory):
    poll = stuffed(memory)
    report = forensics.report(poll.id)
    assert report["total_voters"] == 8
    busiest = report["sources"][0]
    assert (busiest["votes"], busiest["options"], busiest["max_per_minute"]) == (5, {"yes": 0, "no": 5}, 5)
    assert len(report["sources"]) == 4 and all(s["votes"] == 1 for s in report["sources"][1:])


@pytest.mark.parametrize("close_first", [False, True], ids=["open poll", "closed poll"])
def test_voiding_a_source_removes_exactly_its_votes_once(memory, close_first):
    poll = stuffed(memory)
    source = forensics.report(poll.id)["sources"][0]["source"]
    if close_first:
        polls.change(poll.id, {"status": "closed"})
    body = {"source": source, "reason": "one address, five tokens in a minute"}
    assert forensics.void(poll.id, {**body, "dry_run": True})["voided"] == 5
    assert total(memory, poll.id) == 8
    first = forensics.void(poll.id, body)
    assert (first["voided"], first["options"]) == (5, {"yes": 0, "no": 5})
    assert forensics.void(poll.id, body)["voided"] == 0
    assert total(memory, poll.id) == 3
    assert recount.recount(poll.id)["drift"] == {"total_voters": 0, "options": {"yes": 0, "no": 0}}
    assert recount.recount(poll.id)["ballots"]["total_voters"] == 3
    records = forensics.list_voids(poll.id)["voids"]
    assert [(r["voided"], r["reason"], r["complete"]) for r in records] == [
        (5, body["reason"], True),
        (0, body["reason"], True),
    ]


def test_a_voided_voter_token_cannot_vote_again(memory):
    poll = stuffed(memory)
    source = forensics.report(poll.id)["sources"][0]["source"]
    forensics.void(poll.id, {"source": source, "reason": "stuffing"})
    catalog.forget(poll.id)
    with pytest.raises(AlreadyVoted):
        cast(poll, "stuffer-0000", ip="203.0.113.9")
    assert total(memory, poll.id) == 3


def test_polls_that_count_repeats_keep_ballots_for_forensics_too(memory):
    poll = new(**UNPROTECTED, repeat_votes={"block": "none"})
    for _ in range(3):
        votes.cast(poll.id, {"options": ["yes"]}, "198.51.100.7")
    report = forensics.report(poll.id)
    assert (report["total_voters"], report["sources"][0]["votes"]) == (3, 3)


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"reason": "x"},
        {"source": "ABC", "reason": "x"},
        {"source": "0" * 32},
        {"source": "0" * 32, "reason": " "},
        {"source": "0" * 32, "reason": "x", "dry_run": "yes"},
        {"source": "0" * 32, "reason": "x", "from": "yesterday"},  # 400 invalid_parameter, below
        {"source": "0" * 32, "reason": "x", "from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        {"source": "0" * 32, "reason": "x", "extra": 1},
    ],
)
def test_a_malformed_void_request_is_refused_before_any_read(memory, body):
    poll = new(**UNPROTECTED)
    memory.calls.clear()
    with pytest.raises(InvalidParameter if body and "yesterday" in str(body) else InvalidJson):
        forensics.void(poll.id, body)
    assert memory.calls == []
