"""Write-in answers over HTTP: readers write in, the fold queues each answer (counts exact, spellings kept), editors
approve, merge or reject (each audited), results show only approved answers, and bad input writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import audit_entries
from tests.conftest import ADMIN, JSON
from tests.helpers import create_poll, error_code, folded, new_voter, vote


@pytest.fixture
def poll(client: Any) -> dict[str, Any]:
    """A write-in poll with two options, a reader may choose one option and write in one answer."""
    return create_poll(client, options=["Yes", "No"], write_in=True, max_choices=2)


@pytest.fixture
def single(client: Any) -> dict[str, Any]:
    """A write-in poll of one choice: an option or an answer written in (so answers may be merged)."""
    return create_poll(client, options=["Yes", "No"], write_in=True)


def queue(client: Any, poll_id: str) -> list[dict[str, Any]]:
    response = client.http.get(f"/polls/{poll_id}/write-ins", headers=ADMIN)
    assert response.status_code == 200, response.body
    return list(response.json_body["answers"])


def decide(client: Any, poll_id: str, answer_id: str, headers: dict[str, str] = ADMIN, **body: Any) -> Any:
    return client.http.post(f"/polls/{poll_id}/write-ins/{answer_id}", headers=headers, body=json.dumps(body))


def results(client: Any, poll_id: str) -> dict[str, Any]:
    folded()
    response = client.http.get(f"/polls/{poll_id}/results", headers=ADMIN)
    assert response.status_code == 200, response.body
    return dict(response.json_body)


def written_in(client: Any, poll_id: str, *texts: str, options: list[str] | None = None) -> list[str]:
    """Vote once per text (a new voter each) and return the answer ids the API counted."""
    ids = []
    for text in texts:
        response = vote(client, poll_id, options or [], new_voter(), other=text)
        assert response.status_code == 201, response.body
        ids.append(response.json_body["options"][-1])
    return ids


def test_a_write_in_counts_once_as_an_answer_of_its_own_and_waits_in_the_queue(client: Any, poll: dict) -> None:
    ids = written_in(client, poll["id"], "Green Party", "  green\u00a0 PARTY ", options=["yes"])
    assert ids[0] == ids[1] and ids[0].startswith("w_")
    folded()
    [answer] = queue(client, poll["id"])
    assert answer["id"] == ids[0]
    assert (answer["votes"], answer["status"], answer["text"]) == (2, "pending", "Green Party")
    assert answer["spellings"] == ["Green Party", "green PARTY"]
    assert answer["first"] <= answer["last"]
    document = results(client, poll["id"])
    assert [o["id"] for o in document["options"]] == ["yes", "no"]
    assert document["other"]["votes"] == 2 and document["total_voters"] == 2
    assert "Green" not in json.dumps(document)


def test_a_batch_delivered_again_or_bisected_leaves_counts_and_queue_as_once(client: Any, poll: dict) -> None:
    from chalicelib.runtime.settings import get_settings
    from chalicelib.services import fold
    from local.streams import stream_batches

    written_in(client, poll["id"], "Ferry", "FERRY", "ferry!", "Boat", "ferry")
    (event,) = stream_batches(get_settings().ballots_table)
    first, second = dict(event, Records=event["Records"][:2]), dict(event, Records=event["Records"][2:])
    for delivery in (first, event, first, second, event):
        fold.fold(delivery)
        fold.reset()
    found = {answer["text"]: answer for answer in queue(client, poll["id"])}
    assert {text: answer["votes"] for text, answer in found.items()} == {"Ferry": 3, "ferry!": 1, "Boat": 1}
    assert found["Ferry"]["spellings"] == ["FERRY", "Ferry", "ferry"]


def test_past_the_polls_limit_new_answers_count_unlisted_in_other_and_the_recount_agrees(
    client: Any, single: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.runtime.settings import get_settings
    from chalicelib.services import fold
    from local.streams import stream_batches

    monkeypatch.setenv("WRITE_IN_LIMIT", "2")
    get_settings.cache_clear()
    written_in(client, single["id"], "Ferry", "Swim", "Zipline", "FERRY", "Kayak")
    (event,) = stream_batches(get_settings().ballots_table)
    for delivery in (dict(event, Records=event["Records"][:3]), event):  # a part, then the whole again
        fold.fold(delivery)
        fold.reset()
    response = client.http.get(f"/polls/{single['id']}/write-ins", headers=ADMIN).json_body
    assert {answer["text"]: answer["votes"] for answer in response["answers"]} == {"Ferry": 2, "Swim": 1}
    assert (response["limit"], response["unlisted_votes"]) == (2, 2)
    document = results(client, single["id"])
    assert (document["other"]["votes"], document["total_voters"]) == (5, 5)
    recount = client.http.post(f"/polls/{single['id']}/recount", headers=ADMIN, body="{}").json_body
    assert recount["drift"]["total_voters"] == 0 and set(recount["drift"]["options"].values()) == {0}
    assert recount["ballots"]["options"]["w_unlisted"] == 2


def test_an_approved_answer_keeps_counting_on_its_option_after_the_limit_and_a_fresh_process(
    client: Any, poll: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.runtime.settings import get_settings
    from chalicelib.services import fold

    monkeypatch.setenv("WRITE_IN_LIMIT", "1")
    get_settings.cache_clear()
    [tunnel, _] = written_in(client, poll["id"], "A tunnel", "Swim")  # the second is past the limit
    folded()
    assert decide(client, poll["id"], tunnel, action="approve").status_code == 200
    fold.reset()  # a fresh fold: a vote for the option carries no text, so the fold looks its answer up
    assert vote(client, poll["id"], [tunnel], new_voter()).status_code == 201
    document = results(client, poll["id"])
    assert ({o["id"]: o["votes"] for o in document["options"]}[tunnel], document["other"]["votes"]) == (2, 1)


def test_a_fold_that_missed_an_answer_another_made_meanwhile_keeps_it_though_the_poll_is_full(
    client: Any, single: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core.write_in_sightings import Sighting
    from chalicelib.runtime.settings import get_settings
    from chalicelib.store.adapters import store
    from chalicelib.store.dynamo.write_ins import WriteIns

    monkeypatch.setenv("WRITE_IN_LIMIT", "1")
    get_settings.cache_clear()
    [ferry] = written_in(client, single["id"], "Ferry")
    folded()  # Ferry took the one place
    original = WriteIns._update_answer

    def read_before_it_was_made(self: Any, key: Any, expression: str, values: Any, condition: str | None) -> bool:
        if condition == "attribute_exists(#tx)":
            return False  # this fold looked before the other one made the item
        return bool(original(self, key, expression, values, condition))

    monkeypatch.setattr(WriteIns, "_update_answer", read_before_it_was_made)
    incarnation = store().read_view(single["id"], consistent=True).poll.incarnation
    ferry_again = Sighting(ferry, "Ferry", 1, 2, frozenset({"Ferry"}))
    assert store().note_answers(single["id"], incarnation, [ferry_again], 1) == {ferry}
    swim = Sighting("w_0123456789ab", "Swim", 1, 2, frozenset({"Swim"}))
    assert store().note_answers(single["id"], incarnation, [swim], 1) == set()  # new, and no room


def test_approving_makes_the_answer_an_option_with_the_votes_it_already_has(client: Any, poll: dict) -> None:
    [answer_id, _] = written_in(client, poll["id"], "A tunnel", "a tunnel")
    folded()
    response = decide(client, poll["id"], answer_id, action="approve", label="A tunnel instead")
    assert response.status_code == 200, response.body
    assert response.json_body["status"] == "approved" and response.json_body["votes"] == 2
    public = client.http.get(f"/polls/{poll['id']}").json_body
    assert public["options"][-1] == {"id": answer_id, "label": "A tunnel instead"}
    assert vote(client, poll["id"], [answer_id], new_voter()).status_code == 201  # votable by later readers
    shown = {o["id"]: o["votes"] for o in results(client, poll["id"])["options"]}
    assert shown == {"yes": 0, "no": 0, answer_id: 3}


def test_merging_moves_the_answers_votes_to_the_option_exactly(client: Any, single: dict) -> None:
    [answer_id, *_] = written_in(client, single["id"], "yes please", "Yes please", "YES PLEASE")
    vote(client, single["id"], ["yes"], new_voter())
    vote(client, single["id"], ["no"], new_voter())
    folded()
    response = decide(client, single["id"], answer_id, action="merge", into="yes")
    assert response.status_code == 200, response.body
    assert (response.json_body["status"], response.json_body["into"]) == ("merged", "yes")
    document = results(client, single["id"])
    assert {o["id"]: o["votes"] for o in document["options"]} == {"yes": 4, "no": 1}
    assert document["other"]["votes"] == 0 and document["total_voters"] == 5


def test_a_poll_of_several_choices_refuses_a_merge_and_keeps_the_answer_waiting(client: Any, poll: dict) -> None:
    [answer_id] = written_in(client, poll["id"], "yes please", options=["yes"])
    folded()
    response = decide(client, poll["id"], answer_id, action="merge", into="yes")
    assert (response.status_code, error_code(response)) == (400, "invalid_write_in_decision")
    assert [a["status"] for a in queue(client, poll["id"])] == ["pending"]
    assert {o["id"]: o["votes"] for o in results(client, poll["id"])["options"]} == {"yes": 1, "no": 0}


def test_a_rejected_answer_counts_on_the_other_line_without_its_text(client: Any, poll: dict) -> None:
    [answer_id] = written_in(client, poll["id"], "<b>Nonsense</b>")
    folded()
    assert decide(client, poll["id"], answer_id, action="reject").json_body["status"] == "rejected"
    document = results(client, poll["id"])
    assert document["other"] == {"votes": 1, "percent": 100.0}
    public = client.http.get(f"/polls/{poll['id']}").body.decode()
    assert "Nonsense" not in json.dumps(document) and "Nonsense" not in public


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("see www.example.com", "link"),
        ("https://evil.example/x", "link"),
        ("write to me@example.org", "email"),
        ("call +44 20 7946 0958", "phone"),
        ("total shithead", "words"),
    ],
)
def test_links_addresses_numbers_and_flagged_words_are_rejected_automatically(
    client: Any, poll: dict, text: str, reason: str
) -> None:
    written_in(client, poll["id"], text, "Fine answer")
    folded()
    found = {answer["text"]: answer for answer in queue(client, poll["id"])}
    assert (found[text]["status"], found[text]["reason"]) == ("auto_rejected", reason)
    assert found["Fine answer"]["status"] == "pending"
    assert results(client, poll["id"])["other"]["votes"] == 2


def test_every_decision_is_an_audit_entry(client: Any, single: dict, editor: dict[str, str]) -> None:
    [answer_id] = written_in(client, single["id"], "Maybe")
    folded()
    for body in ({"action": "approve"}, {"action": "merge", "into": "no"}, {"action": "reject"}):
        assert decide(client, single["id"], answer_id, editor, **body).status_code == 200
    entries = [e for e in audit_entries(client, ADMIN, single["id"]) if e["action"] == "write_in"]
    assert [e["details"]["action"] for e in entries] == ["reject", "merge", "approve"]
    assert [e["details"]["before"] for e in entries] == ["merged", "approved", "pending"]
    assert entries[1]["details"]["into"] == "no" and entries[0]["actor"] == entries[1]["actor"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"options": [], "other": "x" * 81}, "invalid_write_in"),
        ({"options": [], "other": "\u202eevil"}, "invalid_write_in"),
        ({"options": [], "other": "\u200b\u200c\u200d"}, "invalid_write_in"),
        ({"options": [], "other": "   "}, "invalid_write_in"),
        ({"options": [], "other": "bell\x07"}, "invalid_write_in"),
        ({"options": [], "other": 42}, "invalid_write_in"),
        ({"options": ["yes", "no"], "other": "Third"}, "invalid_option"),
        ({"options": []}, "invalid_option"),
    ],
)
def test_bad_write_ins_are_refused_and_nothing_is_written(
    client: Any, poll: dict, body: dict[str, Any], code: str
) -> None:
    response = client.http.post(
        f"/polls/{poll['id']}/votes", headers=JSON, body=json.dumps(body | {"voter": new_voter()})
    )
    assert (response.status_code, error_code(response)) == (400, code)
    folded()
    assert queue(client, poll["id"]) == [] and results(client, poll["id"])["total_voters"] == 0


def test_a_poll_without_write_ins_refuses_other(client: Any) -> None:
    plain = create_poll(client)
    response = vote(client, plain["id"], [], new_voter(), other="Something else")
    assert (response.status_code, error_code(response)) == (400, "invalid_write_in")
    assert plain["write_in"] is False


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"action": "promote"}, 400, "invalid_write_in_decision"),
        ({"action": "merge"}, 400, "invalid_write_in_decision"),
        ({"action": "merge", "into": "maybe"}, 400, "invalid_write_in_decision"),
        ({"action": "reject", "label": "x"}, 400, "invalid_write_in_decision"),
        ({"action": "approve", "label": ""}, 400, "invalid_write_in_decision"),
        ({"action": "approve", "extra": 1}, 400, "invalid_write_in_decision"),
    ],
)
def test_bad_decisions_are_refused_and_change_nothing(
    client: Any, poll: dict, body: dict[str, Any], status: int, code: str
) -> None:
    [answer_id] = written_in(client, poll["id"], "Later")
    folded()
    response = decide(client, poll["id"], answer_id, **body)
    assert (response.status_code, error_code(response)) == (status, code)
    assert queue(client, poll["id"])[0]["status"] == "pending"
    assert [o["id"] for o in client.http.get(f"/polls/{poll['id']}").json_body["options"]] == ["yes", "no"]


def test_an_unknown_answer_is_not_found_and_readers_may_not_moderate(
    client: Any, poll: dict, stranger: dict[str, str]
) -> None:
    assert error_code(decide(client, poll["id"], "w_000000000000", action="reject")) == "write_in_not_found"
    assert error_code(decide(client, poll["id"], "yes", action="reject")) == "write_in_not_found"
    assert client.http.get(f"/polls/{poll['id']}/write-ins").status_code == 401
    assert client.http.get(f"/polls/{poll['id']}/write-ins", headers=stranger).status_code == 403


def test_the_csv_carries_approved_answers_as_options_and_the_rest_as_one_other_line(client: Any, poll: dict) -> None:
    [kept, dropped] = written_in(client, poll["id"], "Bridge and tunnel", "=HYPERLINK()")
    folded()
    decide(client, poll["id"], kept, action="approve")
    folded()
    lines = client.http.get(f"/polls/{poll['id']}/results.csv", headers=ADMIN).body.decode("utf-8-sig").splitlines()
    assert f"{kept},Bridge and tunnel,1,50.0" in lines
    assert "other,,1,50.0" in lines
    assert not any(dropped in line or "HYPERLINK" in line for line in lines)


def test_the_hosted_page_offers_other_and_a_form_vote_writes_in(client: Any, poll: dict) -> None:
    from urllib.parse import urlencode

    from chalicelib.core.pages import poll_page
    from chalicelib.services import catalog

    page = poll_page(catalog.fresh_poll(poll["id"]), 0, None, None)
    assert 'name="other" maxlength="80"' in page and " required" not in page  # writing in alone is a vote
    form = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}
    body = urlencode({"other": "<i>Ferry</i>", "lang": "en"})
    answer = client.http.post(f"/polls/{poll['id']}/form", headers=form, body=body)
    assert answer.status_code == 200, answer.body
    shown = answer.body.decode()
    assert "Your vote has been counted." in shown and "Ferry" not in shown and "Other</span>: 1 " in shown
    folded()
    [queued] = queue(client, poll["id"])
    assert (queued["text"], queued["votes"]) == ("<i>Ferry</i>", 1)


def test_an_approved_answer_needs_no_label_in_a_later_translation(client: Any, single: dict) -> None:
    [answer_id] = written_in(client, single["id"], "A tunnel")
    folded()
    assert decide(client, single["id"], answer_id, action="approve", label="A tunnel").status_code == 200
    welsh = {"cy": {"question": "Pont?", "options": {"yes": "Ie", "no": "Na"}}}
    response = client.http.patch(f"/polls/{single['id']}", headers=ADMIN, body=json.dumps({"translations": welsh}))
    assert response.status_code == 200, response.body
    shown = client.http.get(f"/polls/{single['id']}?lang=cy").json_body
    assert [o["label"] for o in shown["options"]] == ["Ie", "Na", "A tunnel"]


def test_the_most_counts_a_poll_can_hold_fit_one_dynamodb_expression_in_every_write(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto does not enforce DynamoDB's 4 KB limit on an expression: measure those the fold's tally write, a
    compaction's seal and a recount's correction send, for 20 options and the most answers a poll keeps."""
    import dataclasses

    from chalicelib.core.counts import Counts
    from chalicelib.core.write_ins import WRITE_IN_LIMIT
    from chalicelib.runtime.clients import client as aws
    from chalicelib.runtime.settings import get_settings
    from chalicelib.services import ratelimit
    from chalicelib.store.adapters import store

    unlimited = dataclasses.replace(get_settings(), vote_rate_per_second=0)  # 225 votes from one test address
    monkeypatch.setattr(ratelimit, "get_settings", lambda: unlimited)

    sent: list[str] = []

    def measure(params: dict[str, Any], **_: Any) -> None:
        items = [params, *(next(iter(item.values())) for item in params.get("TransactItems", []))]
        sent.extend(item["UpdateExpression"] for item in items if "UpdateExpression" in item)

    poll = create_poll(client, options=[f"Choice {n}" for n in range(20)], write_in=True)
    for option in poll["options"]:
        assert vote(client, poll["id"], [option["id"]], new_voter()).status_code == 201
    written_in(client, poll["id"], *[f"Answer number {n}" for n in range(WRITE_IN_LIMIT + 5)])
    events = aws("dynamodb").meta.events
    events.register("provide-client-params.dynamodb.*", measure)
    try:
        folded()
        view = store().read_view(poll["id"], consistent=True)
        assert len(view.counts.votes) == 20 + WRITE_IN_LIMIT + 1  # every option, every answer kept, and unlisted
        store().correct_base(view, Counts(votes=dict.fromkeys(view.counts.votes, 1), voters=1))
        store().seal(view, list(view.tallies))
    finally:
        events.unregister("provide-client-params.dynamodb.*", measure)
    kinds = {"the fold's add": "SET #mark", "a seal": "SET #a0", "a correction": "#rev :one"}
    widest = {
        kind: max((len(e) for e in sent if mark in e and "#o220 " in e), default=0) for kind, mark in kinds.items()
    }
    assert all(widest.values()), widest  # each wrote every count in one expression
    assert widest["a seal"] + 48 * len(", #a48 = :a48") <= 4096  # a seal names up to 49 tallies
    assert max(widest.values()) <= 4096
