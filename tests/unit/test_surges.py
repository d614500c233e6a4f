"""The surge rule as pure functions: a key's recent votes against its trailing rate and the floors, the decision
to raise, extend or leave a surge, and the level a reader's proof must meet."""

from __future__ import annotations

import pytest

from chalicelib.core.surges import Surge, SurgeKind, SurgeRule, decide, required_level
from chalicelib.runtime import state
from chalicelib.runtime.settings import SettingsError, get_settings

RULE = SurgeRule()  # the defaults: 5 recent minutes against the 60 before, x10 over 400 votes, x30 over 1,200
NOW = 1_800_000_000  # a minute's start
NET = (SurgeKind.NETWORK, "64500")


@pytest.mark.parametrize(
    ("recent", "trailing", "poll_recent", "poll_trailing", "level"),
    [
        (0, 0, 0, 0, 0),
        (399, 0, 399, 0, 0),  # under the floor, however new the key
        (400, 0, 400, 0, 1),  # a quiet new poll's one network, at the floor
        (400, 0, 800, 0, 0),  # half of a new poll's votes: not over half
        (401, 0, 800, 0, 1),
        (1200, 0, 4000, 0, 0),  # a big carrier at a viral poll's launch (30% of it): never
        (1200, 0, 1500, 0, 2),  # 80% of a new poll's votes, over the second floor
        (400, 0, 2000, 5000, 0),  # a new network on a busy poll, a fifth of it: no share before, not a majority
        (1001, 0, 2000, 5000, 1),
        (400, 480, 4000, 48000, 0),  # a tenth of the poll now and before
        (400, 10, 1000, 1000, 1),  # 1% of the poll, now 40%: x40
        (1200, 10, 2000, 1000, 2),  # 1%, now 60%: x60
        (1200, 50, 2000, 1000, 1),  # 5%, now 60%: x12, over x10, not x30
        (2000, 100, 20000, 1000, 0),  # a push alert: the poll x20, the key's share the same
        (300, 0, 300, 0, 0),  # 300 honest readers of one /24 at once, never
        (5000, 6000, 50000, 60000, 0),  # a big network at its usual share
    ],
)
def test_the_rule_compares_a_keys_share_of_the_polls_votes_now_and_before_and_the_floors(
    recent, trailing, poll_recent, poll_trailing, level
):
    assert RULE.level(recent, trailing, poll_recent, poll_trailing) == level


def test_three_hundred_honest_readers_of_one_block_in_an_hour_never_surge_however_they_arrive():
    for burst_minutes in range(1, 61):
        per_minute = {NOW - 60 * m: 300 // burst_minutes for m in range(burst_minutes)}
        recent, trailing = RULE.split(per_minute, NOW)
        assert RULE.level(recent, trailing, recent, trailing) == 0  # the block alone, or a part of the poll
        assert RULE.level(recent, trailing, 10 * recent, 10 * trailing) == 0


def test_split_counts_the_recent_window_and_the_trailing_minutes_before_it():
    minutes = {NOW: 10, NOW - 240: 20, NOW - 300: 1, NOW - 3840: 2, NOW - 3900: 100}
    assert RULE.split(minutes, NOW + 30) == (30, 3)


def surge(level: int, until: int, since: int = NOW - 600, lifted_by: str | None = None) -> Surge:
    return Surge(NET[0], NET[1], level, since, until, lifted_by=lifted_by)


@pytest.mark.parametrize(
    ("current", "votes", "expected"),
    [
        (None, (100, 0), None),  # quiet: nothing
        (None, (500, 0), (1, NOW, NOW + 900)),  # raised
        (None, (1500, 0), (2, NOW, NOW + 900)),  # straight to level 2
        (surge(1, NOW + 600), (500, 0), (1, NOW - 600, NOW + 900)),  # still surging: extended, since kept
        (surge(1, NOW + 870), (500, 0), None),  # extended under a minute ago: no write
        (surge(1, NOW + 870), (1500, 0), (2, NOW - 600, NOW + 900)),  # a higher level at once
        (surge(2, NOW + 600), (500, 0), (2, NOW - 600, NOW + 900)),  # never lowered while in force
        (surge(1, NOW - 1), (500, 0), (1, NOW, NOW + 900)),  # lapsed, then raised again: a new surge
        (surge(1, NOW + 600), (100, 0), None),  # quiet again: left to lapse
        (surge(0, NOW + 600, lifted_by="ed"), (1500, 0), None),  # lifted: left alone while the lift holds
        (surge(0, NOW - 1, lifted_by="ed"), (500, 0), (1, NOW, NOW + 900)),  # the lift ended
    ],
    ids=[
        "quiet",
        "raised",
        "level 2",
        "extended",
        "extended lately",
        "higher",
        "not lowered",
        "lapsed and raised",
        "quiet again",
        "lifted",
        "lift ended",
    ],
)
def test_decide_raises_extends_or_leaves_a_surge(current, votes, expected):
    found = decide(RULE, current, NET, votes, NOW, poll=votes)  # the network is the whole poll
    assert (None if found is None else (found.level, found.since, found.until)) == expected


@pytest.mark.parametrize(
    ("network", "block", "level"),
    [("64500", "b" * 32, 2), ("64500", None, 1), ("64501", "b" * 32, 2), ("64501", "c" * 32, 0), ("64502", None, 0)],
)
def test_a_reader_needs_the_highest_level_of_its_network_and_its_block(network, block, level):
    surges = [
        Surge(SurgeKind.NETWORK, "64500", 1, NOW, NOW + 900),
        Surge(SurgeKind.BLOCK, "b" * 32, 2, NOW, NOW + 900),
        Surge(SurgeKind.NETWORK, "64502", 2, NOW - 1000, NOW - 1),  # lapsed
    ]
    assert required_level(surges, network, block, NOW) == level


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"SURGE_FLOOR": "0"}, "SURGE_FLOOR"),
        ({"SURGE_FACTOR": "ten"}, "SURGE_FACTOR"),
        ({"SURGE_WINDOW_MINUTES": "61"}, "SURGE_WINDOW_MINUTES"),
        ({"SURGE_COOLDOWN_MINUTES": "0"}, "SURGE_COOLDOWN_MINUTES"),
        ({"SURGE_FACTOR": "40"}, "SURGE_FACTOR_2"),  # level 2 would be the laxer
        ({"SURGE_FLOOR_2": "100"}, "SURGE_FLOOR_2"),
    ],
)
def test_a_bad_surge_setting_fails_at_load_naming_the_variable(monkeypatch, environ, named):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    state.reset_all()
    with pytest.raises(SettingsError, match=named):
        get_settings()
    monkeypatch.undo()
    state.reset_all()


def test_the_default_rule_is_the_documented_one(monkeypatch):
    state.reset_all()
    rule = get_settings().surge_rule
    assert (rule.window, rule.trailing, rule.factor, rule.floor) == (5, 60, 10.0, 400)
    assert (rule.factor_2, rule.floor_2, rule.cooldown, rule.hold) == (30.0, 1200, 15, 60)
