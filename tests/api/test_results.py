"""Results: summed counts, percentages of voters, caching headers and each visibility rule."""

from __future__ import annotations

import pytest

from chalicelib.core.counts import percent
from chalicelib.runtime import clock
from tests.conftest import ADMIN
from tests.helpers import create_poll, error_code, folded, new_voter, patch, vote


def results(client, poll_id, voter=None, headers=None):
    url = f"/polls/{poll_id}/results" + (f"?voter={voter}" if voter else "")
    return client.http.get(url, headers=headers or {})


def test_results_of_a_new_poll_are_all_zero(client):
    poll = create_poll(client)
    body = results(client, poll["id"]).json_body
    assert body["poll_id"] == poll["id"]
    assert body["question"] == poll["question"]
    assert body["status"] == "open"
    assert body["total_voters"] == 0
    assert [(o["id"], o["label"], o["votes"], o["percent"]) for o in body["options"]] == [
        ("yes", "Yes", 0, 0.0),
        ("no", "No", 0, 0.0),
        ("dont-know", "Don't know", 0, 0.0),
    ]
    assert body["as_of"].endswith("Z")


def test_percent_is_of_voters_rounded_half_up_to_one_decimal(client):
    poll = create_poll(client)
    for choice in ("yes", "no", "no"):
        vote(client, poll["id"], [choice], new_voter())
    folded()
    body = results(client, poll["id"]).json_body
    assert [o["percent"] for o in body["options"]] == [33.3, 66.7, 0.0]


@pytest.mark.parametrize(
    ("votes", "voters", "expected"),
    [(0, 0, 0.0), (1, 3, 33.3), (2, 3, 66.7), (1, 8, 12.5), (1, 16, 6.3), (3, 3, 100.0), (1, 2000, 0.1)],
)
def test_percent_rounding(votes, voters, expected):
    assert percent(votes, voters) == expected


def test_public_results_are_cacheable_by_a_cdn(client):
    poll = create_poll(client)
    response = results(client, poll["id"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=5"


def test_results_of_an_unknown_poll_are_not_found(client):
    response = results(client, "missing-poll")
    assert response.status_code == 404 and error_code(response) == "poll_not_found"


def test_after_vote_results_are_shown_only_to_voters_and_never_cached_publicly(client, monkeypatch):
    poll = create_poll(client, results_visibility="after_vote")
    voter, other = new_voter(), new_voter()
    for who in (None, voter):
        hidden = results(client, poll["id"], who)
        assert hidden.status_code == 403 and error_code(hidden) == "results_hidden"
    cast = vote(client, poll["id"], ["yes"], voter)
    assert cast.json_body["results"]["total_voters"] == 1
    assert results(client, poll["id"], voter).json_body["total_voters"] == 1  # their ballot, before the fold
    later = clock.now() + 2  # the fold and the publisher run seconds after a vote (their batching windows)
    monkeypatch.setattr(clock, "now", lambda: later)
    folded()
    shown = results(client, poll["id"], voter)
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "private, no-store"
    assert shown.json_body["total_voters"] == 1  # the published counts hold their ballot: not added twice
    assert results(client, poll["id"], other).status_code == 403
    assert error_code(results(client, poll["id"], "bad token!")) == "invalid_voter"


def test_after_close_results_are_hidden_until_the_poll_closes(client):
    poll = create_poll(client, results_visibility="after_close")
    voter = new_voter()
    cast = vote(client, poll["id"], ["no"], voter)
    assert cast.json_body["results"] is None
    hidden = results(client, poll["id"], voter)
    assert hidden.status_code == 403 and error_code(hidden) == "results_hidden"
    patch(client, poll["id"], status="closed")
    folded()
    shown = results(client, poll["id"])
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "public, max-age=5"
    assert shown.json_body["status"] == "closed"
    assert shown.json_body["options"][1]["votes"] == 1


def test_never_results_are_hidden_from_everyone_but_admins(client):
    poll = create_poll(client, results_visibility="never")
    voter = new_voter()
    vote(client, poll["id"], ["yes"], voter)
    patch(client, poll["id"], status="closed")
    folded()
    for who in (None, voter):
        assert error_code(results(client, poll["id"], who)) == "results_hidden"
    admin = results(client, poll["id"], headers=ADMIN)
    assert admin.status_code == 200
    assert admin.headers["Cache-Control"] == "private, no-store"
    assert admin.json_body["total_voters"] == 1


def test_admin_results_with_a_wrong_token_are_unauthorized(client):
    poll = create_poll(client, results_visibility="never")
    response = results(client, poll["id"], headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and error_code(response) == "unauthorized"


def test_results_show_what_the_fold_has_applied_once_the_cache_second_has_passed(client, monkeypatch):
    import time

    from chalicelib.runtime.settings import get_settings

    poll = create_poll(client)
    vote(client, poll["id"], ["yes"], new_voter())
    folded()
    assert results(client, poll["id"]).json_body["total_voters"] == 1
    vote(client, poll["id"], ["no"], new_voter())
    folded()  # the fold applies the second vote; this process's cache is a second old
    later = time.monotonic() + get_settings().results_cache_seconds
    monkeypatch.setattr(time, "monotonic", lambda: later)
    body = results(client, poll["id"]).json_body
    assert body["total_voters"] == 2
    assert body["as_of"].endswith("Z")
