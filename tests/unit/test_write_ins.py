"""Write-in rules without a store: normalisation, automatic rejection, editors' decisions and how results show them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.core.counts import Counts, shown_votes
from chalicelib.core.errors import InvalidPoll, InvalidWriteIn, InvalidWriteInDecision
from chalicelib.core.ledger import Contribution
from chalicelib.core.poll import Block, Option, Poll, Visibility
from chalicelib.core.text import parse_options
from chalicelib.core.write_in_decisions import decided, parse_decision
from chalicelib.core.write_in_screen import Reason, screen, word_list
from chalicelib.core.write_in_sightings import sightings
from chalicelib.core.write_ins import Answer, AnswerStatus, normalise

POLL = Poll(
    id="bridge",
    question="Bridge?",
    options=(Option("yes", "Yes"), Option("no", "No")),
    opens_at=0,
    closes_at=None,
    closed=False,
    max_choices=1,
    results_visibility=Visibility.ALWAYS,
    block=Block.VOTER,
    ip_limit=20,
    created_at=0,
    incarnation="abcd",
    write_in=True,
)
ANSWER = Answer(id="w_0123456789ab", text="A tunnel", first=10, last=20)


@pytest.mark.parametrize(
    ("raw", "text", "match"),
    [
        ("  Green   Party ", "Green Party", "green party"),
        ("Ｆｕｌｌｗｉｄｔｈ", "Fullwidth", "fullwidth"),  # NFKC
        ("ﬁne", "fine", "fine"),  # a ligature
        ("STRASSE", "STRASSE", "strasse"),
        ("Straße", "Straße", "strasse"),  # casefolded for matching, kept as typed
        ("tab\tand\nnewline", "tab and newline", "tab and newline"),
        ("zero\u200bwidth", "zerowidth", "zerowidth"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>", "<script>alert(1)</script>"),  # escaped when shown
        ("x" * 80, "x" * 80, "x" * 80),
    ],
)
def test_write_ins_are_normalised_and_matched_without_case(raw: str, text: str, match: str) -> None:
    found = normalise(raw)
    assert (found.text, found.match) == (text, match)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "\u200b\u200c\u200d\ufeff",  # zero-width characters alone
        "evil\u202eoops",  # a right-to-left override
        "isolate\u2066x\u2069",
        "bell\x07",
        "x" * 81,
        42,
        None,
        ["a"],
    ],
)
def test_empty_steering_control_or_overlong_write_ins_are_refused(raw: object) -> None:
    with pytest.raises(InvalidWriteIn):
        normalise(raw)


@pytest.mark.parametrize(
    ("text", "lang", "reason"),
    [
        ("visit example.com", "en", Reason.LINK),
        ("https://evil.example/x?y", "fr", Reason.LINK),
        ("www.spam.org", "de", Reason.LINK),
        ("mail me@example.org", "en", Reason.EMAIL),
        ("me (at) example (dot) com", "en", Reason.EMAIL),
        ("ring +44 20 7946 0958", "en", Reason.PHONE),
        ("555-1234", "en", Reason.PHONE),
        ("shithead", "en", Reason.WORDS),
        ("Arschloch", "de", Reason.WORDS),
        ("shithead", "cy", Reason.WORDS),  # a language without a list: the English one
        ("Green Party", "en", None),
        ("Scunthorpe", "en", None),
        ("1984", "en", None),
        ("J.R.R. Tolkien", "en", None),
        ("Arschloch", "en", None),
    ],
)
def test_links_addresses_numbers_and_listed_words_are_rejected_automatically(
    text: str, lang: str, reason: Reason | None
) -> None:
    assert screen(text, lang) is reason


@pytest.mark.parametrize(("lang", "listed"), [("pt-BR", "portuguese"), ("nb", "norwegian"), ("cy", "english")])
def test_a_poll_language_picks_its_word_list(lang: str, listed: str) -> None:
    assert word_list(lang) == listed


def test_approving_adds_the_answer_as_an_option_and_merging_maps_it_at_read_time() -> None:
    approved, answer = decided(POLL, ANSWER, parse_decision({"action": "approve", "label": "Tunnel"}))
    assert approved.options[-1] == Option(ANSWER.id, "Tunnel") and answer.status(False) is AnswerStatus.APPROVED
    counts = Counts(votes={"yes": 3, ANSWER.id: 2, "w_ffffffffffff": 4}, voters=9)
    assert shown_votes(approved, counts) == ({"yes": 3, ANSWER.id: 2}, 4)
    merged, answer = decided(approved, answer, parse_decision({"action": "merge", "into": "yes"}))
    assert ANSWER.id not in merged.option_ids() and answer.into == "yes"
    assert shown_votes(merged, counts) == ({"yes": 5}, 4)
    rejected, _ = decided(merged, answer, parse_decision({"action": "reject"}))
    assert shown_votes(rejected, counts) == ({"yes": 3}, 6)


@pytest.mark.parametrize(
    "body",
    [
        {"action": "merge", "into": "w_0123456789ab"},  # into itself
        {"action": "merge", "into": "maybe"},
    ],
)
def test_a_merge_needs_another_option(body: dict[str, str]) -> None:
    with pytest.raises(InvalidWriteInDecision):
        decided(POLL, ANSWER, parse_decision(body))


def test_a_poll_of_several_choices_cannot_merge_an_answer_as_a_ballot_may_hold_both() -> None:
    several = replace(POLL, options=(*POLL.options, Option("maybe", "Maybe")), max_choices=2)
    with pytest.raises(InvalidWriteInDecision, match="several choices"):
        decided(several, ANSWER, parse_decision({"action": "merge", "into": "yes"}))
    approved, answer = decided(several, ANSWER, parse_decision({"action": "approve"}))
    assert answer.decision is AnswerStatus.APPROVED and ANSWER.id in approved.option_ids()


def test_approving_past_twenty_options_is_refused_and_editors_cannot_take_an_answer_id() -> None:
    full = replace(POLL, options=tuple(Option(f"o{n}", f"O {n}") for n in range(20)))
    with pytest.raises(InvalidWriteInDecision):
        decided(full, ANSWER, parse_decision({"action": "approve"}))
    with pytest.raises(InvalidPoll):
        parse_options([{"id": ANSWER.id, "label": "Mine"}, "No"])


def test_a_merge_cannot_make_a_loop() -> None:
    approved, _ = decided(POLL, ANSWER, parse_decision({"action": "approve"}))
    other = replace(ANSWER, id="w_bbbbbbbbbbbb")
    approved, _ = decided(approved, other, parse_decision({"action": "approve"}))
    merged, _ = decided(approved, other, parse_decision({"action": "merge", "into": ANSWER.id}))
    merged = replace(merged, options=(*merged.options, Option(other.id, "back")))
    with pytest.raises(InvalidWriteInDecision):
        decided(merged, ANSWER, parse_decision({"action": "merge", "into": other.id}))


def test_the_fold_notes_first_last_and_a_few_spellings_of_new_ballots_only() -> None:
    def ballot(sequence: int, text: str, at: int, sign: int = 1) -> Contribution:
        options = ("yes", "w_0123456789ab")
        return Contribution("bridge", "abcd", f"{sequence:040d}", options, sign, at, cast_at=at, other=text)

    seen = sightings(
        [ballot(1, "Tunnel", 30), ballot(2, "tunnel", 10), ballot(3, "TUNNEL", 50, sign=-1)]
        + [ballot(4 + n, f"tunnel{'!' * n}", 20) for n in range(8)]
    )
    [only] = seen
    assert (only.text, only.first, only.last) == ("Tunnel", 10, 30)
    assert len(only.spellings) == 5 and "TUNNEL" not in only.spellings


def test_the_services_queue_decide_and_count_write_ins_on_the_in_memory_store(memory, audit_log) -> None:
    from chalicelib.core.counts import results_document
    from chalicelib.runtime import clock
    from chalicelib.services import fold, polls, votes, write_ins
    from tests.unit.memory import UNPROTECTED

    poll = polls.create({"question": "Cross how?", "options": ["Bridge", "Tunnel"], "write_in": True, **UNPROTECTED})
    for index, text in enumerate(["Ferry", "FERRY ", "Swim", "call 555 123 4567"]):
        votes.cast(poll.id, {"options": [], "other": text, "voter": f"reader-{index:05d}"}, "192.0.2.1")
    event = memory.batch()
    fold.fold(event)
    fold.fold(event)  # redelivered: nothing more
    queue = {entry["text"]: entry for entry in write_ins.queue(poll.id)["answers"]}
    assert {text: (e["votes"], e["status"]) for text, e in queue.items()} == {
        "Ferry": (2, "pending"),
        "Swim": (1, "pending"),
        "call 555 123 4567": (1, "auto_rejected"),
    }
    merged = write_ins.decide(poll.id, queue["Ferry"]["id"], {"action": "merge", "into": "bridge"})
    approved = write_ins.decide(poll.id, queue["Swim"]["id"], {"action": "approve", "label": "Swimming"})
    assert (merged["status"], approved["status"], approved["label"]) == ("merged", "approved", "Swimming")
    view = memory.read_view(poll.id, consistent=True)
    document = results_document(tally_of(view), clock.now())
    assert {o["label"]: o["votes"] for o in document["options"]} == {"Bridge": 2, "Tunnel": 0, "Swimming": 1}
    assert document["other"]["votes"] == 1
    assert [entry.details["action"] for entry in audit_log.entries if entry.action.value == "write_in"] == [
        "merge",
        "approve",
    ]


def tally_of(view):
    from chalicelib.core.counts import Tally

    return Tally(poll=view.poll, counts=view.counts, as_of=0)


def test_a_vote_never_loads_the_word_lists() -> None:
    import subprocess
    import sys

    code = "import sys, chalicelib.services.votes; print('glin_profanity' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "False"  # only the editors' queue screens answers: a vote's cold start skips the ~60 ms import


def test_answers_past_the_polls_limit_count_in_other_unlisted_and_never_grow_its_counts(memory, monkeypatch) -> None:
    from chalicelib.core.write_ins import UNLISTED, is_answer
    from chalicelib.runtime.settings import get_settings
    from chalicelib.services import fold, polls, recount, votes, write_ins
    from tests.unit.memory import UNPROTECTED

    monkeypatch.setenv("WRITE_IN_LIMIT", "2")
    get_settings.cache_clear()
    poll = polls.create({"question": "Cross how?", "options": ["Bridge", "Tunnel"], "write_in": True, **UNPROTECTED})
    for index, text in enumerate(["Ferry", "Swim", "Zipline", "ferry", "Kayak", "Zipline"]):
        votes.cast(poll.id, {"options": [], "other": text, "voter": f"reader-{index:05d}"}, "192.0.2.1")
    event = memory.batch()
    fold.fold(event)
    fold.fold(event)  # redelivered: the same answers kept, nothing counted twice
    queue = write_ins.queue(poll.id)
    assert sorted((entry["text"], entry["votes"]) for entry in queue["answers"]) == [("Ferry", 2), ("Swim", 1)]
    assert (queue["limit"], queue["unlisted_votes"]) == (2, 3)
    counts = memory.read_view(poll.id, consistent=True).counts
    assert len([key for key in counts.votes if is_answer(key)]) == 3  # two answers and UNLISTED, however many more
    assert (counts.votes[UNLISTED], counts.voters) == (3, 6)
    drift = recount.recount(poll.id)["drift"]  # the recount counts what the fold counts
    assert drift["total_voters"] == 0 and set(drift["options"].values()) == {0} and UNLISTED in drift["options"]
    zipline = next(key for key, ballot in memory.ballots.items() if ballot.get("oth") == "Zipline")
    memory.delete_ballot(zipline)
    fold.fold(memory.batch())
    assert write_ins.queue(poll.id)["unlisted_votes"] == 2  # taken off where it was counted
