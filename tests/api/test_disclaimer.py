"""A poll's disclaimer and article link through the API: created, changed, read, published to the edge; refused
with nothing written."""

from __future__ import annotations

import json

import pytest

from chalicelib.runtime.clients import client as aws
from chalicelib.runtime.settings import get_settings
from tests.conftest import ADMIN
from tests.helpers import UNPROTECTED, create_poll, error_code, patch

ENGLISH = "Readers' poll: a self-selected sample, not a scientific survey."
WELSH = {"question": "Te neu goffi?", "options": {"tea": "Te", "coffee": "Coffi"}}


def keys(prefix: str) -> list[str]:
    listing = aws("s3").list_objects_v2(Bucket=get_settings().results_bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def edge_document(poll_id: str) -> dict:
    body = aws("s3").get_object(Bucket=get_settings().results_bucket, Key=f"polls/{poll_id}.json")["Body"]
    return json.loads(body.read())


def admin(client, poll_id: str) -> dict:
    return client.http.get(f"/polls/{poll_id}/admin", headers=ADMIN).json_body


def test_a_new_poll_has_the_standard_disclaimer_and_no_article(client):
    poll = create_poll(client, options=["Tea", "Coffee"])
    assert (poll["disclaimer"], poll["article_url"]) == (True, None)
    public = client.http.get(f"/polls/{poll['id']}").json_body
    assert (public["disclaimer"], public["article_url"]) == (True, None)
    assert (edge_document(poll["id"])["disclaimer"], edge_document(poll["id"])["article_url"]) == (True, None)


def test_the_disclaimer_and_link_round_trip_through_create_patch_read_and_the_edge(client):
    poll = create_poll(
        client,
        options=["Tea", "Coffee"],
        disclaimer=" Not a survey. ",
        article_url="https://news.example.com/tea",
        translations={"cy": {**WELSH, "disclaimer": "Nid arolwg."}},
    )
    pid = poll["id"]
    assert (poll["disclaimer"], poll["article_url"]) == ("Not a survey.", "https://news.example.com/tea")
    assert admin(client, pid)["translations"]["cy"]["disclaimer"] == "Nid arolwg."
    assert client.http.get(f"/polls/{pid}?lang=cy").json_body["disclaimer"] == "Nid arolwg."
    edge = edge_document(pid)
    assert (edge["disclaimer"], edge["article_url"]) == ("Not a survey.", "https://news.example.com/tea")
    assert edge["translations"]["cy"]["disclaimer"] == "Nid arolwg."

    changed = patch(client, pid, disclaimer=False, article_url=None)
    assert changed.status_code == 200
    assert (admin(client, pid)["disclaimer"], admin(client, pid)["article_url"]) == (False, None)
    assert (edge_document(pid)["disclaimer"], edge_document(pid)["article_url"]) == (False, None)
    assert client.http.get(f"/polls/{pid}?lang=cy").json_body["disclaimer"] is False

    assert patch(client, pid, disclaimer=True, translations={"cy": WELSH}).status_code == 200
    assert admin(client, pid)["disclaimer"] is True
    assert "disclaimer" not in admin(client, pid)["translations"]["cy"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"disclaimer": ""}, "disclaimer"),
        ({"disclaimer": "x" * 201}, "disclaimer"),
        ({"disclaimer": None}, "disclaimer"),
        ({"article_url": "http://news.example.com/"}, "article_url"),
        ({"article_url": "javascript:alert(1)"}, "article_url"),
        ({"translations": {"cy": {**WELSH, "disclaimer": False}}}, "translations.cy.disclaimer"),
    ],
)
def test_a_bad_disclaimer_or_link_is_refused_and_nothing_is_written(client, fields, field):
    body = {"id": "refused-poll", "question": "Tea or coffee?", "options": ["Tea", "Coffee"], **UNPROTECTED, **fields}
    before = keys("")
    response = client.http.post("/polls", headers=ADMIN, body=json.dumps(body))
    assert (response.status_code, error_code(response), response.json_body["error"]["field"]) == (
        400,
        "invalid_poll",
        field,
    )
    assert client.http.get("/polls/refused-poll").status_code == 404
    assert keys("") == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"disclaimer": "two\nlines"}, "disclaimer"),
        ({"article_url": "https://user:pw@news.example.com/"}, "article_url"),
    ],
)
def test_a_bad_change_of_disclaimer_or_link_leaves_the_poll_and_its_edge_document_as_they_were(client, fields, field):
    poll = create_poll(client, options=["Tea", "Coffee"], article_url="https://news.example.com/tea")
    before = (admin(client, poll["id"]), edge_document(poll["id"]))
    response = patch(client, poll["id"], **fields)
    assert (response.status_code, response.json_body["error"]["field"]) == (400, field)
    assert (admin(client, poll["id"]), edge_document(poll["id"])) == before
