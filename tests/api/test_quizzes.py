"""Multi-question quizzes over HTTP: editors' definitions, the public view without answers, and each reader's score
worked out from their ballots and counted once, by the fold, into the quiz's distribution."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError

from chalicelib.runtime.settings import get_settings
from chalicelib.services import fold, quizzes
from local.streams import stream_batches
from tests.api.conftest import audit_entries
from tests.conftest import ADMIN_TOKEN
from tests.helpers import create_poll, error_code, folded, new_voter, patch, vote

STAFF = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
JSON = {"Content-Type": "application/json"}


def quiz_poll(client: Any, poll_id: str, right: str = "yes") -> dict[str, Any]:
    """Create a quiz poll whose right answer is `right` (of yes / no / dont-know)."""
    return create_poll(client, id=poll_id, kind="quiz", correct=[right])


def post(client: Any, path: str, body: Any, headers: dict[str, str] = STAFF) -> Any:
    return client.http.post(path, body=json.dumps(body), headers=headers)


@pytest.fixture
def three(client: Any) -> list[str]:
    """Three quiz polls (right answers yes, no, yes) in a quiz 'bridges'."""
    for poll_id, right in (("q-one", "yes"), ("q-two", "no"), ("q-three", "yes")):
        quiz_poll(client, poll_id, right)
    response = post(client, "/quizzes", {"id": "bridges", "title": "Bridges", "polls": ["q-one", "q-two", "q-three"]})
    assert response.status_code == 201, response.body
    return ["q-one", "q-two", "q-three"]


def score(client: Any, voter: Any, quiz_id: str = "bridges") -> Any:
    return post(client, f"/quizzes/{quiz_id}/score", {"voter": voter}, JSON)


def answer(client: Any, voter: str, choices: list[str]) -> None:
    for poll_id, choice in zip(["q-one", "q-two", "q-three"], choices, strict=True):
        assert vote(client, poll_id, [choice], voter).status_code == 201


def test_an_editor_creates_a_quiz_and_it_is_audited(client, three):
    body = client.http.get("/quizzes", headers=STAFF).json_body
    assert [(q["id"], q["title"], q["polls"]) for q in body["quizzes"]] == [("bridges", "Bridges", three)]
    assert [e["action"] for e in audit_entries(client, STAFF, "bridges")] == ["quiz_create"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "T", "polls": ["q-one"]}, "polls"),
        ({"title": "T", "polls": ["q-one"] * 2}, "polls"),
        ({"title": "T", "polls": [f"p-{n:02d}" for n in range(21)]}, "polls"),
        ({"title": "T", "polls": ["q-one", "Not An Id"]}, "polls[1]"),
        ({"title": "T", "polls": ["q-one", "missing"]}, "polls[1]"),
        ({"title": "T", "polls": ["q-one", "plain"]}, "polls[1]"),
        ({"title": "T", "polls": ["q-one", "no-ballots"]}, "polls[1]"),
        ({"polls": ["q-one", "q-two"]}, "title"),
        ({"title": "", "polls": ["q-one", "q-two"]}, "title"),
        ({"title": "T", "polls": ["q-one", "q-two"], "id": "UPPER"}, "id"),
        ({"title": "T", "polls": ["q-one", "q-two"], "score": 3}, "score"),
        (["q-one", "q-two"], "body"),
    ],
)
def test_a_bad_quiz_is_refused_naming_its_field_and_nothing_is_stored(client, body, field):
    quiz_poll(client, "q-one")
    quiz_poll(client, "q-two")
    create_poll(client, id="plain")
    create_poll(client, id="no-ballots", kind="quiz", correct=["yes"], repeat_votes={"block": "none"})
    response = post(client, "/quizzes", body)
    assert (response.status_code, error_code(response), response.json_body["error"]["field"]) == (
        400,
        "invalid_quiz",
        field,
    )
    assert client.http.get("/quizzes", headers=STAFF).json_body["quizzes"] == []


def test_a_quiz_id_is_taken_once(client, three):
    response = post(client, "/quizzes", {"id": "bridges", "title": "Again", "polls": three[:2]})
    assert (response.status_code, error_code(response)) == (409, "quiz_exists")


def test_readers_cannot_create_or_list_quizzes(client, three):
    assert post(client, "/quizzes", {"title": "T", "polls": three}, JSON).status_code == 401
    assert client.http.get("/quizzes").status_code == 401


def test_the_public_quiz_holds_its_polls_in_order_and_never_their_answers(client, three):
    response = client.http.get("/quizzes/bridges")
    assert response.status_code == 200
    body = response.json_body
    assert (body["title"], body["out_of"], [p["id"] for p in body["polls"]]) == ("Bridges", 3, three)
    assert "correct" not in response.body.decode() and "explanation" not in response.body.decode()


def test_an_unknown_quiz_is_a_404_on_every_reader_route(client):
    for response in (
        client.http.get("/quizzes/nothing-here"),
        client.http.get("/quizzes/nothing-here/scores"),
        score(client, new_voter(), "nothing-here"),
    ):
        assert (response.status_code, error_code(response)) == (404, "quiz_not_found")


@pytest.mark.parametrize(
    ("choices", "expected"),
    [(["yes", "no", "yes"], 3), (["yes", "yes", "yes"], 2), (["no", "yes", "no"], 0), (["dont-know", "no", "yes"], 2)],
)
def test_the_score_is_worked_out_from_the_voters_own_ballots(client, three, choices, expected):
    voter = new_voter()
    answer(client, voter, choices)
    response = score(client, voter)
    assert response.status_code == 200, response.body
    body = response.json_body
    assert (body["score"], body["out_of"], body["counted"]) == (expected, 3, True)
    assert body["distribution"]["scores"][expected] == {"score": expected, "readers": 1, "share": 1.0}


def test_a_score_the_browser_sends_is_refused(client, three):
    voter = new_voter()
    answer(client, voter, ["yes", "no", "yes"])
    response = post(client, "/quizzes/bridges/score", {"voter": voter, "score": 3}, JSON)
    assert (response.status_code, error_code(response)) == (400, "invalid_json")


@pytest.mark.parametrize("voter", [None, "short", "bad token with spaces", 12345678])
def test_a_bad_voter_is_refused(client, three, voter):
    response = score(client, voter)
    assert (response.status_code, error_code(response)) == (400, "invalid_voter")


def test_a_voter_without_ballots_has_no_score_and_nothing_is_counted(client, three):
    response = score(client, new_voter())
    assert (response.status_code, error_code(response)) == (409, "quiz_unanswered")
    folded()
    assert client.http.get("/quizzes/bridges/scores").json_body["distribution"]["readers"] == 0


def test_a_score_is_counted_once_per_voter_however_often_it_is_posted(client, three):
    voter = new_voter()
    answer(client, voter, ["yes", "no", "no"])
    first = score(client, voter).json_body
    repeats = [score(client, voter).json_body for _ in range(4)]
    assert first["counted"] and not any(r["counted"] for r in repeats)
    assert {r["score"] for r in repeats} == {2}
    folded()
    distribution = client.http.get("/quizzes/bridges/scores").json_body["distribution"]
    assert distribution["readers"] == 1 and distribution["scores"][2]["readers"] == 1


def test_a_reader_halfway_through_has_no_score_yet_and_nothing_is_counted(client, three):
    voter = new_voter()
    assert vote(client, "q-one", ["yes"], voter).status_code == 201
    response = score(client, voter)
    assert (response.status_code, error_code(response)) == (409, "quiz_unanswered")
    assert vote(client, "q-two", ["no"], voter).status_code == 201
    assert vote(client, "q-three", ["yes"], voter).status_code == 201
    assert score(client, voter).json_body["score"] == 3
    folded()
    assert client.http.get("/quizzes/bridges/scores").json_body["distribution"]["readers"] == 1


def test_a_poll_closed_before_the_reader_reached_it_counts_as_wrong(client, three):
    voter = new_voter()
    assert vote(client, "q-one", ["yes"], voter).status_code == 201
    assert vote(client, "q-two", ["no"], voter).status_code == 201
    assert patch(client, "q-three", status="closed").status_code == 200
    body = score(client, voter).json_body
    assert (body["score"], body["out_of"], body["counted"]) == (2, 3, True)


def test_a_redelivered_stream_batch_counts_each_score_once(client, three):
    voters = [new_voter() for _ in range(3)]
    for voter, choices in zip(voters, (["yes", "no", "yes"], ["no", "no", "no"], ["yes", "no", "no"]), strict=True):
        answer(client, voter, choices)
    folded()  # the votes
    for voter in voters:
        assert score(client, voter).status_code == 200
    (event,) = stream_batches(get_settings().ballots_table)
    fold.fold(event)
    fold.reset()
    again = fold.fold(event)
    assert (again.applied, again.already) == (0, 3)
    body = client.http.get("/quizzes/bridges/scores").json_body
    assert [s["readers"] for s in body["distribution"]["scores"]] == [0, 1, 1, 1]
    assert [s["share"] for s in body["distribution"]["scores"]] == [0.0, 0.3333, 0.3333, 0.3333]


def test_the_score_answer_holds_the_readers_own_score_before_the_fold(client, three):
    earlier = new_voter()
    answer(client, earlier, ["yes", "no", "yes"])
    score(client, earlier)
    folded()
    voter = new_voter()
    answer(client, voter, ["no", "yes", "no"])
    body = score(client, voter).json_body
    assert [s["readers"] for s in body["distribution"]["scores"]] == [1, 0, 0, 1]


def test_an_editor_changes_the_title_and_an_admin_deletes_the_quiz_both_audited(client, three):
    changed = client.http.patch("/quizzes/bridges", body=json.dumps({"title": "Rivers"}), headers=STAFF)
    assert (changed.status_code, changed.json_body["title"], changed.json_body["version"]) == (200, "Rivers", 1)
    assert client.http.delete("/quizzes/bridges", headers=STAFF).status_code == 204
    assert client.http.get("/quizzes/bridges").status_code == 404
    actions = [e["action"] for e in audit_entries(client, STAFF, "bridges")]
    assert actions == ["quiz_delete", "quiz_change", "quiz_create"]


def test_new_polls_start_the_scores_afresh(client, three):
    voter = new_voter()
    answer(client, voter, ["yes", "no", "yes"])
    score(client, voter)
    folded()
    body = {"polls": ["q-three", "q-one"]}
    assert client.http.patch("/quizzes/bridges", body=json.dumps(body), headers=STAFF).status_code == 200
    again = score(client, voter).json_body
    assert (again["score"], again["out_of"], again["counted"]) == (2, 2, True)
    folded()
    assert client.http.get("/quizzes/bridges/scores").json_body["distribution"]["readers"] == 1


def timeout() -> ReadTimeoutError:
    return ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")


def readers(client: Any) -> list[int]:
    folded()
    return [s["readers"] for s in client.http.get("/quizzes/bridges/scores").json_body["distribution"]["scores"]]


def test_a_score_whose_answer_was_lost_after_it_committed_is_retried_and_counted_once(client, three, faults, calls):
    voter = new_voter()
    answer(client, voter, ["yes", "no", "yes"])
    faults.add_after("PutItem", timeout())
    calls.clear()
    body = score(client, voter).json_body
    assert (body["score"], body["counted"]) == (3, True)  # the retry met this request's own score ballot
    assert calls.operations("dynamodb").count("PutItem") == 2
    assert readers(client) == [0, 0, 0, 1]


def test_a_score_whose_write_never_arrived_is_counted_by_the_retry(client, three, faults):
    voter = new_voter()
    answer(client, voter, ["yes", "yes", "yes"])
    faults.add("PutItem", timeout())
    assert score(client, voter).json_body["counted"] is True
    assert readers(client) == [0, 0, 1, 0]


def test_an_outcome_unknown_after_every_attempt_is_503_and_a_repeat_never_double_counts(client, three, faults):
    voter = new_voter()
    answer(client, voter, ["no", "no", "no"])
    faults.add_after("PutItem", timeout(), times=quizzes.WRITE_ATTEMPTS)
    unknown = score(client, voter)
    assert (unknown.status_code, error_code(unknown)) == (503, "service_unavailable")
    assert score(client, voter).json_body["counted"] is False  # the first request's ballot had committed
    assert readers(client) == [0, 1, 0, 0]


def test_one_voters_concurrent_score_requests_count_once(client, three):
    voter = new_voter()
    answer(client, voter, ["yes", "no", "yes"])
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: quizzes.score("bridges", {"voter": voter}), range(8)))
    assert [a["counted"] for a in answers].count(True) == 1
    assert readers(client) == [0, 0, 0, 1]


def test_a_warm_score_request_makes_four_dynamodb_requests_and_never_a_write_to_a_shared_item(client, three, calls):
    voter = new_voter()
    answer(client, voter, ["yes", "no", "yes"])
    calls.clear()
    assert score(client, voter).status_code == 200
    operations = calls.operations("dynamodb")
    assert operations == ["GetItem", "BatchGetItem", "PutItem", "Query"]
    put = next(c for c in calls.calls if c.operation == "PutItem")
    assert put.params["Item"]["pk"]["S"].startswith("q#") and voter not in json.dumps(put.params)
