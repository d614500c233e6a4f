"""The no-JavaScript vote: the hosted page's form posts URL-encoded fields and the reader ends on an HTML page."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.helpers import create_poll, folded, patch

FORM = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}


def post(client: Any, poll_id: str, body: str | bytes, **headers: str) -> Any:
    return client.http.post(f"/polls/{poll_id}/form", headers={**FORM, **headers}, body=body)


def outcome(response: Any) -> str:
    found = re.search(r'data-outcome="([a-z_]+)"', response.body.decode())
    assert found, response.body
    return found.group(1)


def cookie_of(response: Any) -> str:
    return response.headers["Set-Cookie"].split(";")[0]


def total(client: Any, poll_id: str) -> int:
    from tests.conftest import ADMIN

    folded()
    return client.http.get(f"/polls/{poll_id}/results", headers=ADMIN).json_body["total_voters"]


def test_a_form_vote_is_counted_and_the_page_shows_the_results_and_sets_the_voter_cookie(client):
    poll = create_poll(client, options=["Yes", "No"])
    answer = post(client, poll["id"], urlencode({"option": "yes", "lang": "en"}))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert outcome(answer) == "counted"
    page = answer.body.decode()
    assert "Your vote has been counted." in page and "<h2>Results</h2>" in page and "1 voter<" in page
    parts = answer.headers["Set-Cookie"].split("; ")
    assert parts[0].startswith("poll_voter=") and re.fullmatch(r"poll_voter=f[0-9a-f]{32}", parts[0])
    assert {"Path=/", "HttpOnly", "SameSite=Lax"} <= set(parts)
    assert "Secure" not in parts  # the local stage is plain HTTP; deployed stages add it
    assert total(client, poll["id"]) == 1


def test_the_same_browser_cannot_vote_twice_by_form(client):
    poll = create_poll(client, options=["Yes", "No"])
    first = post(client, poll["id"], "option=yes")
    again = post(client, poll["id"], "option=no", Cookie=cookie_of(first))
    assert (again.status_code, outcome(again)) == (409, "already_voted")
    assert "Set-Cookie" not in again.headers  # the reader keeps the token it has
    assert "<h2>Results</h2>" in again.body.decode()
    assert total(client, poll["id"]) == 1


def test_hidden_results_stay_hidden_on_the_confirmation_page(client):
    poll = create_poll(client, options=["Yes", "No"], results_visibility="never")
    answer = post(client, poll["id"], "option=yes")
    assert outcome(answer) == "counted" and "<h2>Results</h2>" not in answer.body.decode()


def test_a_multiple_choice_form_takes_repeated_option_fields(client):
    poll = create_poll(client, options=["Tea", "Coffee", "Water"], max_choices=2)
    answer = post(client, poll["id"], "option=tea&option=water")
    assert outcome(answer) == "counted"
    from tests.conftest import ADMIN

    folded()
    votes = client.http.get(f"/polls/{poll['id']}/results", headers=ADMIN).json_body["options"]
    assert [o["votes"] for o in votes] == [1, 0, 1]


@pytest.mark.parametrize(
    ("body", "headers", "fields", "status", "code"),
    [
        ("option=maybe", {}, {}, 400, "invalid_option"),
        ("", {}, {}, 400, "invalid_option"),
        ("option=yes&voter=someone-else-123", {}, {}, 400, "invalid_form"),
        (b"option=\xff\xfe", {}, {}, 400, "invalid_form"),
        ("option=yes&lang=" + "x" * 300, {}, {}, 400, "invalid_parameter"),
        ("option=yes&option=yes", {}, {}, 400, "invalid_option"),
        ("option=yes&option=no", {}, {}, 400, "invalid_option"),
        ("option=" + "y" * 9000, {}, {}, 413, "payload_too_large"),
        ("option=yes", {"Sec-Fetch-Site": "cross-site"}, {}, 403, "cross_site_form"),
        ("option=yes", {"Sec-Fetch-Site": "same-site"}, {}, 403, "cross_site_form"),
        ("option=yes", {}, {"challenge": "proof_of_work"}, 400, "challenge_required"),
        ("option=yes", {}, {"status": "closed"}, 409, "poll_closed"),
    ],
)
def test_bad_form_votes_get_a_clear_page_and_write_nothing(client, body, headers, fields, status, code):
    poll = create_poll(client, options=["Yes", "No"], **{k: v for k, v in fields.items() if k != "status"})
    if fields.get("status"):
        assert patch(client, poll["id"], status=fields["status"]).status_code == 200
    answer = post(client, poll["id"], body, **headers)
    assert (answer.status_code, outcome(answer)) == (status, code)
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert total(client, poll["id"]) == 0


def test_a_missing_poll_gets_a_not_found_page(client):
    answer = post(client, "no-such-poll", "option=yes")
    assert (answer.status_code, outcome(answer)) == (404, "poll_not_found")


def test_a_json_body_is_refused_as_the_wrong_media_type(client):
    poll = create_poll(client)
    answer = client.http.post(f"/polls/{poll['id']}/form", headers={"Content-Type": "application/json"}, body="{}")
    assert answer.status_code == 415


def test_an_origin_other_than_the_site_is_refused_when_the_browser_sends_no_fetch_metadata(client, monkeypatch):
    from chalicelib.runtime.settings import get_settings

    monkeypatch.setenv("SITE_URL", "https://polls.example-news.com")
    get_settings.cache_clear()
    poll = create_poll(client, options=["Yes", "No"])
    plain = {"Content-Type": "application/x-www-form-urlencoded"}
    other = client.http.post(
        f"/polls/{poll['id']}/form", headers={**plain, "Origin": "https://evil.example"}, body="option=yes"
    )
    assert (other.status_code, outcome(other)) == (403, "cross_site_form")
    own = client.http.post(
        f"/polls/{poll['id']}/form", headers={**plain, "Origin": "https://polls.example-news.com"}, body="option=yes"
    )
    assert outcome(own) == "counted"


def test_a_deployed_stage_marks_the_cookie_secure(client, monkeypatch):
    from chalicelib.runtime.settings import get_settings

    monkeypatch.setenv("STAGE", "dev")
    get_settings.cache_clear()
    from chalicelib.api.forms import _set_cookie

    assert _set_cookie("f" + "0" * 32).endswith("; Secure")
