"""A poll's disclaimer and article link: validated with the other fields, and the disclaimer in each language."""

from __future__ import annotations

import csv
import io

import pytest

from chalicelib.core.counts import Counts, Tally, results_csv, results_document
from chalicelib.core.disclaimers import DEFAULTS
from chalicelib.core.errors import InvalidPoll
from chalicelib.core.validation import changed_poll, new_poll

NOW = 1_800_000_000.0
ENGLISH = "Readers' poll: a self-selected sample, not a scientific survey."
WELSH = {"question": "Te neu goffi?", "options": {"tea": "Te", "coffee": "Coffi"}}
ARABIC = {"question": "شاي أم قهوة؟", "options": {"tea": "شاي", "coffee": "قهوة"}}


def poll_with(**fields):
    return new_poll({"question": "Tea or coffee?", "options": ["Tea", "Coffee"], **fields}, NOW)


def test_the_default_texts_cover_the_twelve_interface_locales_with_the_french_no_break_space():
    assert set(DEFAULTS) == {"en", "cy", "gd", "ga", "fr", "de", "es", "it", "pt", "nl", "pl", "ar"}
    assert DEFAULTS["en"] == ENGLISH
    assert "lecteurs\u00a0:" in DEFAULTS["fr"]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (True, True),
        (False, False),
        ("  Not a survey.  ", "Not a survey."),
        ("x" * 200, "x" * 200),
        ("Pôl darllenwyr", "Pôl darllenwyr"),
    ],
)
def test_a_good_disclaimer_is_kept_trimmed(given, stored):
    assert poll_with(disclaimer=given).disclaimer == stored


@pytest.mark.parametrize(
    "given",
    ["", "   ", "x" * 201, "two\nlines", "bell\x07", None, 0, 1, ["text"], {"text": "x"}],
)
def test_a_bad_disclaimer_is_refused_naming_the_field(given):
    with pytest.raises(InvalidPoll) as raised:
        poll_with(disclaimer=given)
    assert raised.value.extra == {"field": "disclaimer"}


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example.com/2026/12/bridge",
        "https://news.example.com:8443/a?b=c#d",
        "http://localhost:8080/story",
        "http://127.0.0.1/story",
        "http://127.1.2.3:9000/",
        "https://x.example/" + "a" * (2000 - len("https://x.example/")),
        None,
    ],
)
def test_a_good_article_url_is_kept(url):
    assert poll_with(article_url=url).article_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://news.example.com/story",  # http only for this machine
        "http://128.0.0.1/",
        "http://localhost.example.com/",
        "ftp://news.example.com/",
        "javascript:alert(1)",
        "https://",
        "news.example.com/story",
        "https://user:secret@news.example.com/",
        "https://news.example.com/a b",
        "https://news.example.com:port/",
        "https://x.example/" + "a" * (2001 - len("https://x.example/")),
        "",
        42,
        True,
    ],
)
def test_a_bad_article_url_is_refused_naming_the_field(url):
    with pytest.raises(InvalidPoll) as raised:
        poll_with(article_url=url)
    assert raised.value.extra == {"field": "article_url"}


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({**WELSH, "disclaimer": ""}, "translations.cy.disclaimer"),
        ({**WELSH, "disclaimer": True}, "translations.cy.disclaimer"),
        ({**WELSH, "disclaimer": "y" * 201}, "translations.cy.disclaimer"),
    ],
)
def test_a_bad_translated_disclaimer_is_refused_naming_it(entry, field):
    with pytest.raises(InvalidPoll) as raised:
        poll_with(translations={"cy": entry})
    assert raised.value.extra == {"field": field}


@pytest.mark.parametrize(
    ("fields", "requested", "shown"),
    [
        ({}, None, ENGLISH),
        ({}, "fr", ENGLISH),  # no French translation: the page is in English, so is the line
        ({"translations": {"cy": WELSH}}, "cy", DEFAULTS["cy"]),
        ({"translations": {"cy": WELSH}}, "cy-GB", DEFAULTS["cy"]),
        ({"translations": {"ar": ARABIC}}, "ar", DEFAULTS["ar"]),
        ({"lang": "pt-BR"}, None, DEFAULTS["pt"]),
        ({"lang": "ja"}, None, ENGLISH),  # a locale without a standard text: English
        ({"disclaimer": False, "translations": {"cy": {**WELSH, "disclaimer": "Pôl"}}}, "cy", None),
        ({"disclaimer": "Not a survey."}, None, "Not a survey."),
        ({"disclaimer": "Not a survey.", "translations": {"cy": WELSH}}, "cy", "Not a survey."),
        (
            {"disclaimer": "Not a survey.", "translations": {"cy": {**WELSH, "disclaimer": "Nid arolwg."}}},
            "cy",
            "Nid arolwg.",
        ),
        ({"translations": {"cy": {**WELSH, "disclaimer": "Nid arolwg."}}}, "cy", "Nid arolwg."),
        ({"translations": {"cy": {**WELSH, "disclaimer": "Nid arolwg."}}}, None, ENGLISH),
    ],
)
def test_the_disclaimer_in_a_language(fields, requested, shown):
    assert poll_with(**fields).disclaimer_in(requested) == shown


def test_the_public_body_carries_the_disclaimer_and_link_and_a_translation_its_own_text_only_when_custom():
    poll = poll_with(
        disclaimer="Not a survey.",
        article_url="https://news.example.com/a",
        translations={"cy": {**WELSH, "disclaimer": "Nid arolwg."}, "ar": ARABIC},
    )
    body = poll.public_dict(NOW)
    assert (body["disclaimer"], body["article_url"]) == ("Not a survey.", "https://news.example.com/a")
    assert poll.public_dict(NOW, "cy")["disclaimer"] == "Nid arolwg."
    assert poll.public_dict(NOW, "ar")["disclaimer"] == "Not a survey."
    translations = poll.admin_dict(NOW)["translations"]
    assert translations["cy"]["disclaimer"] == "Nid arolwg." and "disclaimer" not in translations["ar"]
    assert (poll_with().public_dict(NOW)["disclaimer"], poll_with().public_dict(NOW)["article_url"]) == (True, None)


@pytest.mark.parametrize(
    ("change", "disclaimer", "article_url"),
    [
        ({"disclaimer": False}, False, "https://news.example.com/a"),
        ({"disclaimer": "Mine."}, "Mine.", "https://news.example.com/a"),
        ({"article_url": None}, True, None),
        ({"article_url": "https://news.example.com/b"}, True, "https://news.example.com/b"),
    ],
)
def test_a_patch_changes_the_disclaimer_and_link_without_needing_a_poll_without_votes(change, disclaimer, article_url):
    poll = poll_with(article_url="https://news.example.com/a")
    changed, needs_no_votes = changed_poll(poll, change, NOW)
    assert (changed.disclaimer, changed.article_url, needs_no_votes) == (disclaimer, article_url, False)


def csv_rows(poll):
    tally = Tally(poll=poll, counts=Counts(votes={"tea": 1}, voters=1), as_of=NOW)
    data = results_csv(results_document(tally, NOW), poll.disclaimer_in(None)).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(data, newline="")))


@pytest.mark.parametrize(
    ("fields", "first"),
    [
        ({}, [f"# {ENGLISH}"]),  # its comma is quoted: one cell
        ({"disclaimer": "=cmd, not a formula"}, ["# =cmd, not a formula"]),
        ({"disclaimer": False}, ["option_id", "label", "votes", "percent"]),
    ],
)
def test_the_csv_starts_with_the_disclaimer_as_a_one_field_comment_while_it_is_on(fields, first):
    rows = csv_rows(poll_with(**fields))
    assert rows[0] == first
    assert rows[-1] == ["total_voters", "", "1", ""]
