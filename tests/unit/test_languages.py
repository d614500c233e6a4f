"""Languages in the domain: tags, the choice of language, translations' validation, and the documents built in one."""

from __future__ import annotations

import csv
import io

import pytest

from chalicelib.core.counts import Counts, Tally, results_csv, results_document
from chalicelib.core.errors import InvalidParameter, InvalidPoll
from chalicelib.core.languages import canonical_tag, choose, requested_language
from chalicelib.core.translations import parse_translations
from chalicelib.core.validation import changed_poll, new_poll
from chalicelib.services import polls
from tests.unit.memory import UNPROTECTED, MemoryStore

NOW = 1_800_000_000.0
WELSH = {"question": "Te neu goffi?", "options": {"tea": "Te", "coffee": "Coffi"}}


def poll_with(**fields):
    body = {"id": "tea-or-coffee", "question": "Tea or coffee?", "options": ["Tea", "Coffee"], **fields}
    return new_poll(body, NOW)


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("cy", "cy"),
        ("CY", "cy"),
        ("pt-br", "pt-BR"),
        ("zh-hant", "zh-Hant"),
        ("ZH-HANT-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("ast", "ast"),
        ("e", None),
        ("english", None),
        ("en_GB", None),
        ("en-", None),
        ("-en", None),
        ("x-klingon", None),
        ("de-DE-1996", None),
        ("en-GB-u-ca-gregory", None),
        ("", None),
        (None, None),
        (7, None),
        ("c\u0443", None),  # a Cyrillic letter that looks Latin
    ],
)
def test_a_language_tag_is_well_formed_language_script_region_and_kept_in_its_conventional_case(given, canonical):
    assert canonical_tag(given) == canonical


@pytest.mark.parametrize(
    ("asked", "answered"),
    [
        (None, "en"),
        ("cy", "cy"),
        ("cy-GB", "cy"),
        ("pt-BR", "pt"),
        ("pt-br", "pt"),
        ("zh-Hant-TW", "zh-Hant"),
        ("zh-Hans-CN", "zh"),
        ("ga", "en"),
        ("en-GB", "en"),
        ("EN", "en"),
    ],
)
def test_the_answer_is_in_the_language_asked_for_else_a_shorter_form_of_it_else_the_original(asked, answered):
    assert choose(asked, "en", ["cy", "pt", "zh-Hant", "zh"]) == answered


def test_a_regional_original_is_found_only_by_its_own_tag():
    assert choose("en", "en-GB", ["cy"]) == "en-GB"  # the fallback: the original anyway
    assert choose("en-GB", "en-GB", ["en"]) == "en-GB"
    assert choose("en-US", "en-GB", ["en"]) == "en"


def test_a_malformed_lang_parameter_is_an_invalid_parameter_and_an_absent_one_is_none():
    assert requested_language(None) is None
    assert requested_language("pt-br") == "pt-BR"
    with pytest.raises(InvalidParameter):
        requested_language("portuguese")


@pytest.mark.parametrize(
    ("translations", "field"),
    [
        ({"cy": {**WELSH, "options": {"tea": "Te"}}}, "translations.cy.options.coffee"),
        ({"cy": {**WELSH, "options": {**WELSH["options"], "milk": "Llaeth"}}}, "translations.cy.options.milk"),
        ({"cy": {**WELSH, "question": "\u0007"}}, "translations.cy.question"),
        ({"EN-gb": WELSH, "en-GB": WELSH}, "translations.en-GB"),
        ({"en": WELSH}, "translations.en"),
    ],
)
def test_translations_are_checked_against_the_polls_options_and_language(translations, field):
    with pytest.raises(InvalidPoll) as refused:
        parse_translations(translations, ["tea", "coffee"], "en")
    assert refused.value.extra == {"field": field}


def test_translated_text_is_trimmed_like_the_original():
    parsed = parse_translations({"cy": {**WELSH, "question": "  Te neu goffi?\t"}}, ["tea", "coffee"], "en")
    assert parsed["cy"].question == "Te neu goffi?"


def test_a_poll_reads_in_a_translation_without_changing_its_ids_or_order():
    poll = poll_with(translations={"cy": WELSH})
    assert poll.text_in("cy-GB") == ("cy", "Te neu goffi?", {"tea": "Te", "coffee": "Coffi"})
    assert poll.text_in("fr") == ("en", "Tea or coffee?", {"tea": "Tea", "coffee": "Coffee"})
    welsh = poll.public_dict(NOW, "cy")
    assert [o["id"] for o in welsh["options"]] == ["tea", "coffee"]
    assert welsh["languages"] == ["en", "cy"] and "translations" not in welsh
    assert poll.admin_dict(NOW)["translations"] == {"cy": WELSH}


def test_results_and_their_csv_keep_the_original_and_add_a_column_per_translation():
    poll = poll_with(
        translations={"cy": WELSH, "ga": {"question": "Tae nó caife?", "options": {"tea": "Tae", "coffee": "Caife"}}}
    )
    tally = Tally(poll=poll, counts=Counts(votes={"tea": 2, "coffee": 1}, voters=3), as_of=NOW)
    document = results_document(tally, NOW, "cy")
    assert (document["lang"], [o["label"] for o in document["options"]]) == ("cy", ["Te", "Coffi"])
    original = {**results_document(tally, NOW), "translations": poll.translations_dict()}
    rows = list(csv.reader(io.StringIO(results_csv(original).decode("utf-8-sig"), newline="")))
    assert rows[0] == ["option_id", "label", "votes", "percent", "label_cy", "label_ga"]
    assert rows[1] == ["tea", "Tea", "2", "66.7", "Te", "Tae"]
    assert rows[3] == ["total_voters", "", "3", "", "", ""]


def test_a_patch_of_translations_or_order_keeps_the_counts():
    poll = poll_with(translations={"cy": WELSH})
    changed, reset_counts = changed_poll(poll, {"translations": {}, "randomize_options": True, "lang": "en-GB"}, NOW)
    assert (changed.translations, changed.randomize_options, changed.lang, reset_counts) == ({}, True, "en-GB", False)


def test_a_patch_of_options_rechecks_the_translations_kept(memory: MemoryStore):
    created = polls.create(
        {"question": "Tea or coffee?", "options": ["Tea", "Coffee"], "translations": {"cy": WELSH}, **UNPROTECTED}
    )
    with pytest.raises(InvalidPoll) as refused:
        polls.change(created.id, {"options": ["Tea", "Coffee", "Water"]})
    assert refused.value.extra == {"field": "translations.cy.options.water"}
    relabelled = polls.change(created.id, {"options": ["Tea", "Coffee"], "question": "Coffee or tea?"})
    assert relabelled.translations == created.translations  # the same ids: the translations still fit


def test_new_polls_are_english_without_translations_in_their_own_order_by_default():
    poll = poll_with()
    assert (poll.lang, dict(poll.translations), poll.randomize_options) == ("en", {}, False)
