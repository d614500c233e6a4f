"""Per-poll translations and randomised order over the API: validated, stored, answered in the language asked for."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from chalicelib.runtime.clients import client as aws_client
from chalicelib.runtime.settings import get_settings
from tests.conftest import ADMIN
from tests.helpers import UNPROTECTED, create_poll, error_code, folded, new_voter, patch, vote

WELSH = {"question": "A ddylai'r cyngor adeiladu'r bont newydd?", "options": {"yes": "Dylai", "no": "Na ddylai"}}
FRENCH = {"question": "Le conseil doit-il construire le nouveau pont ?", "options": {"yes": "Oui", "no": "Non"}}
OPTIONS = [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]


def translated(client: Any, **fields: Any) -> dict[str, Any]:
    """Create a two-option poll with Welsh and French translations."""
    return create_poll(client, options=OPTIONS, translations={"cy": WELSH, "fr": FRENCH}, **fields)


def get(client: Any, path: str) -> Any:
    return client.http.get(path)


def test_a_created_poll_returns_its_language_and_every_translation_to_editors(client):
    poll = translated(client)
    assert poll["lang"] == "en"
    assert poll["languages"] == ["en", "cy", "fr"]
    assert poll["translations"] == {"cy": WELSH, "fr": FRENCH}
    assert poll["randomize_options"] is False


def test_a_reader_asking_for_welsh_gets_the_welsh_question_and_labels(client):
    poll = translated(client)
    response = get(client, f"/polls/{poll['id']}?lang=cy")
    assert response.status_code == 200
    body = response.json_body
    assert (body["lang"], body["question"]) == ("cy", WELSH["question"])
    assert body["options"] == [{"id": "yes", "label": "Dylai"}, {"id": "no", "label": "Na ddylai"}]
    assert "translations" not in body  # readers get one language
    assert response.headers["Content-Language"] == "cy"
    assert response.headers["Cache-Control"].startswith("public, max-age=")  # the CDN keys on ?lang=


@pytest.mark.parametrize(
    ("asked", "answered"),
    [
        ("cy", "cy"),
        ("CY", "cy"),
        ("cy-GB", "cy"),  # a region falls back to its language
        ("fr-CA", "fr"),
        ("en", "en"),
        ("en-GB", "en"),
        ("de", "en"),  # no German: the original
        ("pt-BR", "en"),
        (None, "en"),
    ],
)
def test_the_poll_answers_in_the_language_asked_for_or_else_the_original(client, asked, answered):
    poll = translated(client)
    query = "" if asked is None else f"?lang={asked}"
    response = get(client, f"/polls/{poll['id']}{query}")
    assert (response.json_body["lang"], response.headers["Content-Language"]) == (answered, answered)
    expected = {"cy": WELSH["question"], "fr": FRENCH["question"]}.get(answered, poll["question"])
    assert response.json_body["question"] == expected


def test_a_regional_translation_is_chosen_over_its_language_and_found_from_the_language(client):
    brazil = {"question": "Pergunta?", "options": {"yes": "Sim", "no": "Não"}}
    poll = create_poll(client, options=OPTIONS, translations={"pt-br": brazil})
    assert poll["translations"] == {"pt-BR": brazil}  # tags are kept in their conventional case
    assert get(client, f"/polls/{poll['id']}?lang=pt-BR").json_body["lang"] == "pt-BR"
    assert get(client, f"/polls/{poll['id']}?lang=pt").json_body["lang"] == "en"  # lookup narrows, never widens


def test_a_poll_written_in_welsh_answers_in_welsh_when_no_language_is_asked_for(client):
    english = {"question": "Should the council build the new bridge?", "options": {"yes": "Yes", "no": "No"}}
    poll = create_poll(
        client,
        options=[{"id": "yes", "label": "Dylai"}, {"id": "no", "label": "Na ddylai"}],
        question=WELSH["question"],
        lang="cy",
        translations={"en": english},
    )
    assert get(client, f"/polls/{poll['id']}").json_body["lang"] == "cy"
    assert get(client, f"/polls/{poll['id']}?lang=en-GB").json_body["question"] == english["question"]


@pytest.mark.parametrize("lang", ["", "english", "e", "en_GB", "cy-", "x-klingon", "de-DE-1996", "%E2%9C%93"])
@pytest.mark.parametrize("route", ["", "/results"])
def test_a_malformed_lang_is_refused_as_an_invalid_parameter(client, lang, route):
    poll = translated(client)
    response = get(client, f"/polls/{poll['id']}{route}?lang={lang}")
    assert (response.status_code, error_code(response)) == (400, "invalid_parameter")


def test_results_answer_in_the_language_asked_for_in_the_polls_order(client):
    poll = translated(client)
    vote(client, poll["id"], ["no"], new_voter())
    folded()
    response = get(client, f"/polls/{poll['id']}/results?lang=cy-GB")
    body = response.json_body
    assert (body["lang"], body["question"], response.headers["Content-Language"]) == ("cy", WELSH["question"], "cy")
    assert [(o["id"], o["label"], o["votes"]) for o in body["options"]] == [("yes", "Dylai", 0), ("no", "Na ddylai", 1)]
    original = get(client, f"/polls/{poll['id']}/results?lang=de").json_body
    assert (original["lang"], [o["label"] for o in original["options"]]) == ("en", ["Yes", "No"])


def test_a_vote_answers_with_results_in_the_language_asked_for_and_so_does_a_repeat(client):
    poll = translated(client)
    voter = new_voter()
    body = json.dumps({"options": ["yes"], "voter": voter})
    counted = client.http.post(f"/polls/{poll['id']}/votes?lang=fr", headers={"Content-Type": "text/plain"}, body=body)
    assert counted.status_code == 201
    assert counted.json_body["results"]["lang"] == "fr"
    assert counted.json_body["results"]["options"][0]["label"] == "Oui"
    again = client.http.post(f"/polls/{poll['id']}/votes?lang=cy", headers={"Content-Type": "text/plain"}, body=body)
    assert (again.status_code, error_code(again)) == (409, "already_voted")
    assert again.json_body["results"]["question"] == WELSH["question"]


BAD_TRANSLATIONS = [
    ([], "translations"),
    ("cy", "translations"),
    ({"welsh": WELSH}, "translations.welsh"),
    ({"cy_GB": WELSH}, "translations.cy_GB"),
    ({"": WELSH}, "translations."),
    ({"en": WELSH}, "translations.en"),  # the poll's own language
    ({"cy": WELSH, "CY": WELSH}, "translations.CY"),
    ({"cy": "Dylai"}, "translations.cy"),
    ({"cy": {"options": WELSH["options"]}}, "translations.cy.question"),
    ({"cy": {"question": WELSH["question"]}}, "translations.cy.options"),
    ({"cy": {**WELSH, "note": "x"}}, "translations.cy.note"),
    ({"cy": {**WELSH, "question": ""}}, "translations.cy.question"),
    ({"cy": {**WELSH, "question": "   "}}, "translations.cy.question"),
    ({"cy": {**WELSH, "question": "x" * 301}}, "translations.cy.question"),
    ({"cy": {**WELSH, "question": "two\nlines"}}, "translations.cy.question"),
    ({"cy": {**WELSH, "question": 7}}, "translations.cy.question"),
    ({"cy": {**WELSH, "options": ["Dylai", "Na ddylai"]}}, "translations.cy.options"),
    ({"cy": {**WELSH, "options": {"yes": "Dylai"}}}, "translations.cy.options.no"),
    ({"cy": {**WELSH, "options": {**WELSH["options"], "maybe": "Efallai"}}}, "translations.cy.options.maybe"),
    ({"cy": {**WELSH, "options": {"yes": "Dylai", "no": ""}}}, "translations.cy.options.no"),
    ({"cy": {**WELSH, "options": {"yes": "Dylai", "no": "x" * 201}}}, "translations.cy.options.no"),
    ({"cy": {**WELSH, "options": {"yes": "Dylai", "no": "bad\x00label"}}}, "translations.cy.options.no"),
    ({"cy": {**WELSH, "options": {"yes": "Dylai", "no": None}}}, "translations.cy.options.no"),
    ({f"x{chr(97 + i // 26)}{chr(97 + i % 26)}": WELSH for i in range(41)}, "translations"),  # over 40 languages
]


@pytest.mark.parametrize(("translations", "field"), BAD_TRANSLATIONS)
def test_bad_translations_are_refused_naming_the_field_and_nothing_is_written(client, translations, field):
    body = {"id": "bad-translations", "question": "Q?", "options": OPTIONS, "translations": translations, **UNPROTECTED}
    response = client.http.post("/polls", headers=ADMIN, body=json.dumps(body))
    assert (response.status_code, error_code(response)) == (400, "invalid_poll")
    assert response.json_body["error"]["field"] == field
    assert get(client, "/polls/bad-translations").status_code == 404


@pytest.mark.parametrize(("translations", "field"), BAD_TRANSLATIONS)
def test_a_patch_with_bad_translations_is_refused_and_the_poll_is_unchanged(client, translations, field):
    poll = translated(client)
    response = patch(client, poll["id"], translations=translations)
    assert (response.status_code, response.json_body["error"]["field"]) == (400, field)
    assert get(client, f"/polls/{poll['id']}?lang=cy").json_body["question"] == WELSH["question"]


@pytest.mark.parametrize(
    ("fields", "field"), [({"lang": "Welsh"}, "lang"), ({"randomize_options": "yes"}, "randomize_options")]
)
def test_bad_language_or_order_fields_are_refused_naming_the_field(client, fields, field):
    body = {"question": "Q?", "options": OPTIONS, **fields}
    response = client.http.post("/polls", headers=ADMIN, body=json.dumps(body))
    assert (response.status_code, response.json_body["error"]["field"]) == (400, field)


def test_translations_change_while_the_poll_has_votes_and_the_votes_stay(client):
    poll = translated(client)
    vote(client, poll["id"], ["yes"], new_voter())
    better = {**WELSH, "options": {"yes": "Ie", "no": "Na"}}
    response = patch(client, poll["id"], translations={"cy": better})
    assert response.status_code == 200
    assert response.json_body["translations"] == {"cy": better}  # a PATCH replaces the whole set
    folded()
    results = get(client, f"/polls/{poll['id']}/results?lang=cy").json_body
    assert [(o["label"], o["votes"]) for o in results["options"]] == [("Ie", 1), ("Na", 0)]
    assert get(client, f"/polls/{poll['id']}?lang=fr").json_body["lang"] == "en"  # French is gone
    assert patch(client, poll["id"], translations={}).json_body["languages"] == ["en"]


def test_new_options_must_be_covered_by_the_translations_kept(client):
    poll = translated(client)
    response = patch(client, poll["id"], options=[*OPTIONS, {"id": "maybe", "label": "Maybe"}])
    assert (response.status_code, response.json_body["error"]["field"]) == (400, "translations.cy.options.maybe")
    fitted = {tag: {**t, "options": {**t["options"], "maybe": "?"}} for tag, t in {"cy": WELSH, "fr": FRENCH}.items()}
    both = patch(client, poll["id"], options=[*OPTIONS, {"id": "maybe", "label": "Maybe"}], translations=fitted)
    assert both.status_code == 200 and both.json_body["translations"]["cy"]["options"]["maybe"] == "?"


def test_the_original_language_cannot_become_one_of_its_translations(client):
    poll = translated(client)
    response = patch(client, poll["id"], lang="cy")
    assert (response.status_code, response.json_body["error"]["field"]) == (400, "translations.cy")
    assert patch(client, poll["id"], lang="en-GB").json_body["lang"] == "en-GB"


def test_a_poll_definition_with_many_translations_may_be_larger_than_a_vote(client):
    labels = {f"o{i}": f"Option number {i} in translation" for i in range(20)}
    languages = ["cy", "gd", "ga", "fr", "de", "es", "it", "pt", "nl", "pl", "ar", "da"]
    translations = {tag: {"question": "A fairly long translated question " * 8, "options": labels} for tag in languages}
    options = [{"id": option_id, "label": label} for option_id, label in labels.items()]
    body = json.dumps({"question": "Q?", "options": options, "translations": translations, **UNPROTECTED})
    assert 8 * 1024 < len(body.encode()) < 64 * 1024
    assert client.http.post("/polls", headers=ADMIN, body=body).status_code == 201
    too_big = json.dumps({"question": "Q?", "options": options, "translations": translations, "pad": " " * 65536})
    response = client.http.post("/polls", headers=ADMIN, body=too_big)
    assert (response.status_code, error_code(response)) == (413, "payload_too_large")


def test_randomized_order_is_a_poll_field_that_editors_switch(client):
    poll = create_poll(client, randomize_options=True)
    assert poll["randomize_options"] is True
    assert get(client, f"/polls/{poll['id']}").json_body["randomize_options"] is True
    assert patch(client, poll["id"], randomize_options=False).json_body["randomize_options"] is False
    results = get(client, f"/polls/{poll['id']}/results").json_body
    assert [o["id"] for o in results["options"]] == [o["id"] for o in poll["options"]]  # results keep the poll's order


def test_a_poll_stored_before_languages_existed_reads_as_english_without_translations_in_its_order(client):
    poll = translated(client, randomize_options=True)
    aws_client("dynamodb").update_item(
        TableName=get_settings().polls_table,
        Key={"id": {"S": poll["id"]}, "part": {"S": "poll"}},
        UpdateExpression="REMOVE lang, translations, randomize_options",
    )
    from chalicelib.services import catalog

    catalog.forget(poll["id"])
    body = get(client, f"/polls/{poll['id']}?lang=cy").json_body
    assert (body["lang"], body["languages"], body["randomize_options"]) == ("en", ["en"], False)
    assert body["question"] == poll["question"]


def run_snapshots(client: Any) -> dict[str, Any]:
    response = client.http.post("/snapshots", headers=ADMIN)
    assert response.status_code == 200
    return dict(response.json_body)


def read(key: str) -> bytes:
    return bytes(aws_client("s3").get_object(Bucket=get_settings().results_bucket, Key=key)["Body"].read())


def test_the_snapshot_carries_every_translation_and_the_csv_a_column_per_translation(client):
    welsh = {**WELSH, "options": {**WELSH["options"], "formula": "=1+1"}}
    poll = create_poll(client, options=[*OPTIONS, {"id": "formula", "label": "Formula"}], translations={"cy": welsh})
    vote(client, poll["id"], ["no"], new_voter())
    folded()
    run_snapshots(client)
    latest = json.loads(read(f"results/{poll['id']}/latest.json"))
    assert latest["lang"] == "en" and latest["question"] == poll["question"]
    assert latest["translations"] == {"cy": welsh}
    rows = list(csv.reader(io.StringIO(read(f"results/{poll['id']}/latest.csv").decode("utf-8-sig"), newline="")))
    assert rows == [
        ["# Readers' poll: a self-selected sample, not a scientific survey."],
        ["option_id", "label", "votes", "percent", "label_cy"],
        ["yes", "Yes", "0", "0.0", "Dylai"],
        ["no", "No", "1", "100.0", "Na ddylai"],
        ["formula", "Formula", "0", "0.0", "'=1+1"],  # translated labels are spreadsheet-safe too
        ["total_voters", "", "1", "", ""],
    ]
    index = json.loads(read("results/index.json"))
    assert next(p for p in index["polls"] if p["id"] == poll["id"])["languages"] == ["en", "cy"]


def test_a_changed_translation_is_written_to_the_next_snapshot(client):
    poll = translated(client)
    run_snapshots(client)
    assert run_snapshots(client)["written"] == 0  # nothing changed
    patch(client, poll["id"], translations={"cy": {**WELSH, "question": "Cwestiwn newydd?"}})
    assert poll["id"] in run_snapshots(client)["written_polls"]
    assert json.loads(read(f"results/{poll['id']}/latest.json"))["translations"]["cy"]["question"] == "Cwestiwn newydd?"
