"""Quiz polls over HTTP: the answer validated and stored, kept out of every public document until the reader voted
(or the poll closed), given back in the vote's 201 and with the voter's results, and the right share counted exactly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.runtime import clock
from chalicelib.runtime.clients import client as aws
from chalicelib.runtime.settings import get_settings
from tests.conftest import ADMIN
from tests.helpers import api, create_poll, error_code, folded, new_voter, patch, vote

EXPLANATION = "The bridge was approved in 2019 by a vote of the council."
CY_EXPLANATION = "Cymeradwywyd y bont yn 2019."
QUIZ: dict[str, Any] = {
    "question": "When was the bridge approved?",
    "options": [{"id": "y2019", "label": "2019"}, {"id": "y2021", "label": "2021"}, {"id": "never", "label": "Never"}],
    "kind": "quiz",
    "correct": ["y2019"],
    "explanation": EXPLANATION,
    "translations": {
        "cy": {
            "question": "Pryd cymeradwywyd y bont?",
            "options": {"y2019": "2019", "y2021": "2021", "never": "Byth"},
            "explanation": CY_EXPLANATION,
        }
    },
}
MULTI: dict[str, Any] = {
    "question": "Which of these are bridges in the city?",
    "options": [{"id": "a", "label": "Arch"}, {"id": "b", "label": "Beam"}, {"id": "c", "label": "Cable"}],
    "kind": "quiz",
    "correct": ["a", "b"],
    "max_choices": 3,
    "explanation": "Arch and Beam cross the river; Cable is a shop.",
}


def quiz(client: Any, **fields: Any) -> dict[str, Any]:
    return create_poll(client, **{**QUIZ, **fields})


def post(client: Any, body: dict[str, Any]) -> Any:
    return client.http.post("/polls", headers=ADMIN, body=json.dumps(body))


def bucket_text(key: str) -> str:
    return str(aws("s3").get_object(Bucket=get_settings().results_bucket, Key=key)["Body"].read().decode())


def public_keys(poll_id: str) -> list[str]:
    return [
        f"polls/{poll_id}.json",
        f"p/{poll_id}",
        f"p/{poll_id}/cy",
        f"results/{poll_id}/latest.json",
        f"r/{poll_id}",
    ]


def assert_no_answer(text: str) -> None:
    assert EXPLANATION not in text and CY_EXPLANATION not in text
    assert '"correct"' not in text and "right_share" not in text


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"kind": "exam"}, "invalid_poll", "kind"),
        ({"correct": "y2019"}, "invalid_poll", "correct"),
        ({"correct": ["y2019", "y2019"]}, "invalid_poll", "correct"),
        ({"explanation": ""}, "invalid_poll", "explanation"),
        ({"explanation": "x" * 601}, "invalid_poll", "explanation"),
        ({"correct": []}, "quiz_without_answer", "correct"),
        ({"correct": ["y2020"]}, "quiz_unknown_answer", "correct"),
        ({"correct": ["y2019", "y2021"]}, "quiz_too_many_answers", "correct"),
        ({"kind": "poll"}, "answer_on_plain_poll", "correct"),
        ({"kind": "poll", "correct": [], "explanation": "Why"}, "answer_on_plain_poll", "explanation"),
        ({"kind": "poll", "correct": [], "explanation": None}, "answer_on_plain_poll", "translations.cy.explanation"),
        ({"write_in": True}, "invalid_poll", "write_in"),
    ],
)
def test_an_invalid_quiz_is_refused_with_its_code_and_nothing_is_stored(client, fields, code, field):
    body = {**QUIZ, "id": "bad-quiz", "challenge": "none", "address_limit": None, **fields}
    body = {name: value for name, value in body.items() if value is not None or name == "explanation"}
    response = post(client, body)
    assert response.status_code == 400
    assert (error_code(response), response.json_body["error"]["field"]) == (code, field)
    assert client.http.get("/polls/bad-quiz").status_code == 404


def test_a_quiz_without_correct_is_refused(client):
    body = {name: value for name, value in QUIZ.items() if name != "correct"}
    assert error_code(post(client, body)) == "quiz_without_answer"


def test_a_quiz_is_stored_and_editors_see_its_answer(client):
    poll = quiz(client)
    assert (poll["kind"], poll["correct"], poll["explanation"]) == ("quiz", ["y2019"], EXPLANATION)
    admin = client.http.get(f"/polls/{poll['id']}/admin", headers=ADMIN).json_body
    assert (admin["kind"], admin["correct"], admin["explanation"]) == ("quiz", ["y2019"], EXPLANATION)
    assert admin["translations"]["cy"]["explanation"] == CY_EXPLANATION


def test_a_plain_poll_stores_no_quiz_attributes_and_reads_as_a_poll(client):
    poll = create_poll(client)
    item = aws("dynamodb").get_item(
        TableName=get_settings().polls_table, Key={"id": {"S": poll["id"]}, "part": {"S": "poll"}}
    )["Item"]
    assert not {"kind", "correct", "explanation"} & set(item)  # as a poll stored before quizzes
    assert (poll["kind"], poll["correct"], poll["explanation"]) == ("poll", [], None)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"correct": []}, "quiz_without_answer"),
        ({"correct": ["nope"]}, "quiz_unknown_answer"),
        ({"kind": "poll"}, "answer_on_plain_poll"),
        ({"options": ["2020", "2021"], "translations": {}}, "quiz_unknown_answer"),
        ({"explanation": 5}, "invalid_poll"),
        ({"write_in": True}, "invalid_poll"),
    ],
)
def test_an_invalid_change_of_a_quiz_is_refused_and_leaves_it_as_it_was(client, change, code):
    poll = quiz(client)
    response = patch(client, poll["id"], **change)
    assert (response.status_code, error_code(response)) == (400, code)
    admin = client.http.get(f"/polls/{poll['id']}/admin", headers=ADMIN).json_body
    assert (admin["kind"], admin["correct"], admin["explanation"]) == ("quiz", ["y2019"], EXPLANATION)


def test_a_quiz_can_become_a_plain_poll_and_back_before_it_has_votes(client):
    poll = quiz(client)
    plain = patch(client, poll["id"], kind="poll", correct=[], explanation=None, translations={})
    assert plain.status_code == 200, plain.json_body
    assert (plain.json_body["kind"], plain.json_body["correct"], plain.json_body["explanation"]) == ("poll", [], None)
    again = patch(client, poll["id"], kind="quiz", correct=["never"])
    assert (again.json_body["kind"], again.json_body["correct"]) == ("quiz", ["never"])


def test_the_answer_cannot_change_once_the_quiz_has_votes_but_the_explanation_can(client):
    poll = quiz(client)
    vote(client, poll["id"], ["y2019"], new_voter())
    folded()
    assert error_code(patch(client, poll["id"], correct=["never"])) == "poll_has_votes"
    changed = patch(client, poll["id"], explanation="Approved in May 2019.")
    assert changed.status_code == 200 and changed.json_body["explanation"] == "Approved in May 2019."


def test_the_answer_is_in_no_public_document_before_the_reader_votes(client):
    poll = quiz(client)
    pid = poll["id"]
    vote(client, pid, ["y2021"], new_voter())
    folded()
    for lang in (None, "cy"):
        suffix = f"?lang={lang}" if lang else ""
        body = client.http.get(f"/polls/{pid}{suffix}")
        assert body.json_body["kind"] == "quiz"
        assert_no_answer(body.body.decode())
        assert_no_answer(client.http.get(f"/polls/{pid}/results{suffix}").body.decode())
        assert_no_answer(client.http.get(f"/polls/{pid}/results?voter={new_voter()}").body.decode())
    for key in public_keys(pid):
        assert_no_answer(bucket_text(key))


@pytest.mark.parametrize(
    ("chosen", "lang", "right", "explanation"),
    [
        (["y2019"], None, True, EXPLANATION),
        (["y2021"], None, False, EXPLANATION),
        (["never"], "cy", False, CY_EXPLANATION),
    ],
)
def test_the_vote_answers_with_the_answer_in_the_readers_language(client, chosen, lang, right, explanation):
    poll = quiz(client)
    response = api(client).vote(poll["id"], chosen, new_voter(), lang=lang).raw
    assert response.status_code == 201
    assert response.json_body["quiz"] == {"correct": ["y2019"], "explanation": explanation, "right": right}
    assert response.json_body["results"]["quiz"]["correct"] == ["y2019"]


def test_a_plain_polls_vote_carries_no_quiz(client):
    poll = create_poll(client)
    body = vote(client, poll["id"], ["yes"], new_voter()).json_body
    assert "quiz" not in body and "quiz" not in body["results"]


def fold_later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fold and publish as the stream consumers do, seconds after the votes (their batching windows)."""
    later = clock.now() + 2
    monkeypatch.setattr(clock, "now", lambda: later)
    folded()


def test_the_right_share_of_a_multi_answer_quiz_is_exact_for_voters_and_editors(client, monkeypatch):
    poll = create_poll(client, **MULTI)
    pid = poll["id"]
    ballots = [["a", "b"], ["a"], ["b", "a"], ["c"], ["a", "c"], ["a", "b", "c"], ["b"]]
    voters = [new_voter() for _ in ballots]
    for voter, chosen in zip(voters, ballots, strict=True):
        right = vote(client, pid, chosen, voter).json_body["quiz"]["right"]
        assert right is (set(chosen) == {"a", "b"})
    fold_later(monkeypatch)
    mine = client.http.get(f"/polls/{pid}/results?voter={voters[0]}").json_body
    assert mine["total_voters"] == 7
    assert (mine["quiz"]["right_voters"], mine["quiz"]["right_share"]) == (2, 28.6)
    assert mine["quiz"]["correct"] == ["a", "b"]
    staff = client.http.get(f"/polls/{pid}/results", headers=ADMIN).json_body
    assert staff["quiz"]["right_voters"] == 2
    assert "quiz" not in client.http.get(f"/polls/{pid}/results").json_body  # a reader who has not voted


def test_a_voters_own_right_ballot_counts_in_the_share_before_the_fold(client):
    poll = create_poll(client, **MULTI)
    first = vote(client, poll["id"], ["a", "b"], new_voter()).json_body["results"]["quiz"]
    assert (first["right_voters"], first["right_share"]) == (1, 100.0)


def test_a_right_ballot_is_marked_in_the_same_single_write(client, calls):
    poll = quiz(client)
    vote(client, poll["id"], ["y2021"], new_voter())  # warms the definition and the tallies
    calls.clear()
    assert vote(client, poll["id"], ["y2019"], new_voter()).status_code == 201
    assert calls.operations("dynamodb") == ["PutItem"]
    assert calls.calls[-1].params["Item"]["ok"] == {"BOOL": True}


def test_the_answer_with_results_follows_visibility_after_vote(client):
    poll = quiz(client, results_visibility="after_vote")
    voter = new_voter()
    assert vote(client, poll["id"], ["y2019"], voter).json_body["results"]["quiz"]["right_voters"] == 1
    assert client.http.get(f"/polls/{poll['id']}/results?voter={voter}").json_body["quiz"]["correct"] == ["y2019"]


def test_the_answer_is_not_given_with_results_that_are_hidden(client):
    poll = quiz(client, results_visibility="after_close")
    body = vote(client, poll["id"], ["y2019"], new_voter()).json_body
    assert body["results"] is None and body["quiz"]["right"] is True  # the reader's own answer, never the counts


def test_the_answer_is_public_once_the_quiz_closes_and_the_edge_is_rebuilt(client):
    poll = quiz(client)
    pid = poll["id"]
    for chosen in (["y2019"], ["y2021"], ["y2019"], ["never"]):
        vote(client, pid, chosen, new_voter())
    folded()
    assert patch(client, pid, status="closed").status_code == 200
    public = client.http.get(f"/polls/{pid}?lang=cy").json_body
    assert (public["correct"], public["explanation"]) == (["y2019"], CY_EXPLANATION)
    results = client.http.get(f"/polls/{pid}/results").json_body
    assert (results["quiz"]["right_voters"], results["quiz"]["right_share"]) == (2, 50.0)
    document = json.loads(bucket_text(f"polls/{pid}.json"))
    assert (document["correct"], document["explanation"]) == (["y2019"], EXPLANATION)
    assert document["translations"]["cy"]["explanation"] == CY_EXPLANATION
    assert json.loads(bucket_text(f"results/{pid}/latest.json"))["quiz"]["right_share"] == 50.0
    page = bucket_text(f"r/{pid}")  # the results-only view
    assert EXPLANATION in page and "2019</span> (correct answer): 2" in page and "50.0% of voters got it right" in page
    assert CY_EXPLANATION in bucket_text(f"r/{pid}/cy")


FORM = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}


@pytest.mark.parametrize(("option", "verdict"), [("y2019", "Your answer is right"), ("never", "Your answer is wrong")])
def test_a_form_vote_on_the_hosted_page_shows_the_answer_after_the_vote(client, option, verdict):
    poll = quiz(client)
    page = bucket_text(f"p/{poll['id']}")
    assert_no_answer(page)
    answer = client.http.post(f"/polls/{poll['id']}/form", headers=FORM, body=f"option={option}&lang=en")
    assert answer.status_code == 200
    shown = answer.body.decode()
    assert verdict in shown and "The correct answer is: <strong>2019</strong>." in shown and EXPLANATION in shown
    again = client.http.post(
        f"/polls/{poll['id']}/form",
        headers={**FORM, "Cookie": answer.headers["Set-Cookie"].split(";")[0]},
        body="option=y2021",
    )
    assert again.status_code == 409 and EXPLANATION in again.body.decode()  # already voted: the answer again


def test_a_quiz_closed_by_its_schedule_has_its_edge_documents_rebuilt_with_the_answer(client, monkeypatch):
    from chalicelib.core.times import to_iso

    now = {"at": (int(clock.now()) // 60) * 60 + 20.0}  # the middle of a minute, as the snapshot tests pin it
    monkeypatch.setattr(clock, "now", lambda: now["at"])
    poll = quiz(client, closes_at=to_iso(now["at"] + 90))
    pid = poll["id"]
    vote(client, pid, ["y2019"], new_voter())
    folded()
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=["arn:aws:events:rule/snapshot"]
    )
    client.lambda_.invoke("snapshot_results", event)
    assert_no_answer(bucket_text(f"polls/{pid}.json"))
    now["at"] += 120  # past its close
    assert client.lambda_.invoke("snapshot_results", event).payload["written"] == 1
    document = json.loads(bucket_text(f"polls/{pid}.json"))
    assert (document["status"], document["correct"], document["explanation"]) == ("closed", ["y2019"], EXPLANATION)
    latest = json.loads(bucket_text(f"results/{pid}/latest.json"))
    assert (latest["quiz"]["right_voters"], latest["quiz"]["right_share"]) == (1, 100.0)
    assert EXPLANATION in bucket_text(f"r/{pid}")


def test_an_explanation_with_markup_is_shown_as_text_on_the_pages(client):
    markup = '<img src=x onerror="alert(1)"> \u202eevil'
    poll = quiz(client, explanation=markup, translations={})
    answer = client.http.post(f"/polls/{poll['id']}/form", headers=FORM, body="option=y2019&lang=en").body.decode()
    assert "<img src=x" not in answer and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in answer
    assert patch(client, poll["id"], status="closed").status_code == 200
    page = bucket_text(f"r/{poll['id']}")
    assert "<img src=x" not in page and "&lt;img src=x" in page
