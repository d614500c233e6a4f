"""A share card's layout: wrapping by whole words, numbers only while results are public, closed, many options, RTL."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from chalicelib.core import card_words, cards
from chalicelib.core.counts import Counts
from chalicelib.core.disclaimers import DEFAULTS
from chalicelib.core.languages import Translation
from chalicelib.core.poll import PollKind, Visibility
from tests import widget_texts
from tests.unit.card_samples import COUNTS, MANY, SAMPLES, card, poll


def measure(text: str, size: int, bold: bool) -> float:
    """A stand-in for the fonts: every character 0.55 em wide (0.6 bold)."""
    return len(text) * size * (0.6 if bold else 0.55)


def lay(source: cards.CardInput) -> cards.CardLayout:
    return cards.layout(source, measure)


@pytest.mark.parametrize(
    "question",
    [
        "Should the council build a new footbridge over the river before the next election in the spring?",
        "Pneumonoultramicroscopicsilicovolcanoconiosis " * 6,  # long words: whole, never split
        "A " + "Donaudampfschifffahrtsgesellschaftskapitänswitwe" + " question",
        "Short?",
    ],
)
def test_the_question_wraps_only_between_words(question):
    layout = lay(card(poll(question=question)))
    lines = layout.texts("question")
    words = [word for line in lines for word in line.removesuffix("…").split()]
    assert words == question.split()[: len(words)]  # whole words, in order, none cut
    assert 1 <= len(lines) <= cards.QUESTION_LINES
    assert all(
        line.endswith("…") or measure(line, run.size, True) <= 1080 or " " not in line
        for line, run in zip(lines, [r for r in layout.runs if r.role == "question"], strict=True)
    )


def test_a_word_wider_than_a_line_is_broken_by_characters_keeping_marks_on_their_letters():
    word = "e\u0301" * 60 + "x" * 40  # é as e and a combining acute: never split apart
    lines = cards.wrap(f"Hi {word} end", 500, lambda text: len(text) * 10.0)
    assert lines[0] == "Hi" and "".join(lines[1:]).removesuffix(" end") == word
    assert all(len(line) * 10.0 <= 500 for line in lines)
    assert not any(line.startswith("\u0301") for line in lines)


@pytest.mark.parametrize("rtl", [False, True])
@pytest.mark.parametrize("visibility", [Visibility.ALWAYS, Visibility.NEVER])
def test_a_single_word_question_and_label_stay_inside_the_card(rtl, visibility):
    from chalicelib.services import card_renderer as renderer

    long_poll = poll(visibility=visibility, question="Supercalifragilistic" * 15)  # 300 characters, one word
    labels = {"o0": "Antidisestablishment" * 10, "o1": "No", "o2": "Maybe"}  # a 200-character word
    long_poll = replace(long_poll, options=tuple(replace(o, label=labels[o.id]) for o in long_poll.options))
    arabic = Translation("استطلاع" * 43, {"o0": "المشاركة" * 25, "o1": "لا", "o2": "ربما"})
    long_poll = replace(long_poll, translations={"ar": arabic})
    measure = renderer.measure_rtl if rtl else renderer.measure_ltr
    layout = cards.layout(card(long_poll, lang="ar" if rtl else None), measure)
    assert len(arabic.question) >= 300 and len(arabic.labels["o0"]) == 200
    assert layout.texts("question") and layout.texts("label")
    for run in layout.runs:
        width = measure(run.text, run.size, run.bold)
        left = run.x if run.anchor == "left" else run.x - width
        assert 0 <= left and left + width <= cards.WIDTH, f"{run.role} {run.text[:20]!r} runs off the card"


@pytest.mark.parametrize("visibility", [Visibility.AFTER_VOTE, Visibility.AFTER_CLOSE, Visibility.NEVER])
def test_hidden_results_carry_no_number(visibility):
    layout = lay(card(poll(visibility=visibility)))
    assert not any(re.search(r"\d", text) for text in layout.texts())
    assert not [bar for bar in layout.bars if bar.role == "fill"]
    assert layout.texts("hidden") == ["Results not shown"]
    assert layout.texts("label") == ["Yes, as soon as possible", "No, repair the old bridge", "Not sure yet"]
    assert layout.alt == poll().question  # the alt text does not tell the leader either


def test_public_results_show_percentages_voters_and_bars():
    layout = lay(SAMPLES["en"])
    assert layout.texts("percent") == ["56.3%", "37.6%", "6.1%"]
    assert layout.texts("voters") == ["Voters: 213"]
    fills = [bar.width for bar in layout.bars if bar.role == "fill"]
    assert fills == sorted(fills, reverse=True) and len(fills) == 3
    assert layout.alt == f"{poll().question} — leading: Yes, as soon as possible (56.3%)"


def test_a_merged_write_in_counts_in_its_target_on_the_card_as_in_the_results():
    merged = replace(poll(), write_in=True, merged={"w_0123456789ab": "o2"})
    counts = Counts({"o0": 120, "o1": 80, "o2": 13, "w_0123456789ab": 40, "w_bbbbbbbbbbbb": 7}, 260)
    layout = lay(card(merged, counts))
    assert layout.texts("percent") == ["46.2%", "30.8%", "20.4%", "2.7%"]  # 53 of 260 in o2; the pending 7: Other
    assert layout.texts("voters") == ["Voters: 260"]


@pytest.mark.parametrize(
    ("votes", "alt"),
    [
        ({"o0": 5, "o1": 5, "o2": 1}, "Best biscuit?"),  # a tie: no leader named
        ({"o0": 5, "o1": 6, "o2": 1}, "Best biscuit? — leading: No, repair the old bridge (50.0%)"),
        ({}, "Best biscuit?"),  # no votes yet
    ],
)
def test_the_alt_text_names_a_leader_only_when_one_option_strictly_leads(votes, alt):
    assert lay(card(poll(question="Best biscuit?"), Counts(votes, 12 if votes else 0))).alt == alt


@pytest.mark.parametrize(("lang", "said"), [(None, "Poll closed"), ("cy", "Pôl wedi cau"), ("ar", "انتهى الاستطلاع")])
def test_a_closed_poll_says_so_in_the_cards_language(lang, said):
    assert lay(card(poll(closed=True), lang=lang)).texts("status") == [said]
    assert lay(card(poll(), lang=lang)).texts("status") == []


def test_thirty_options_show_the_leaders_legibly_then_how_many_more():
    layout = lay(card(poll(options=30), MANY))
    labels = layout.texts("label")
    leaders = sorted(MANY.votes, key=lambda o: -MANY.votes[o])[: len(labels)]
    assert labels == [f"Option number {int(o[1:]) + 1}" for o in leaders]
    assert 3 <= len(labels) < 30
    assert layout.texts("more") == [f"+ {30 - len(labels)} more"]
    assert min(run.size for run in layout.runs if run.role in {"label", "percent", "more"}) >= 22
    more = next(run for run in layout.runs if run.role == "more")
    footer = min(run.y for run in layout.runs if run.role in {"voters", "disclaimer"})
    assert more.y + more.size < footer  # nothing overlaps the footer


def test_thirty_hidden_options_keep_the_polls_order():
    layout = lay(card(poll(options=30, visibility=Visibility.NEVER), MANY))
    assert layout.texts("label") == [f"Option number {i + 1}" for i in range(len(layout.texts("label")))]


def test_an_arabic_card_is_mirrored():
    arabic, english = lay(SAMPLES["ar"]), lay(SAMPLES["en"])
    assert arabic.rtl and not english.rtl
    site = next(run for run in arabic.runs if run.role == "site")
    assert (site.x, site.anchor) == (cards.WIDTH - cards.MARGIN, "right")
    percent = next(run for run in arabic.runs if run.role == "percent")
    assert (percent.x, percent.anchor) == (cards.MARGIN, "left")
    for fill in (bar for bar in arabic.bars if bar.role == "fill"):
        assert fill.x + fill.width == cards.WIDTH - cards.MARGIN  # bars grow from the right


def test_the_hash_follows_the_content():
    first = lay(SAMPLES["en"])
    assert re.fullmatch(r"[0-9a-f]{16}", first.hash)
    assert lay(SAMPLES["en"]).hash == first.hash
    moved = Counts({**COUNTS.votes, "o2": 14}, COUNTS.voters + 1)
    assert lay(card(poll(), moved)).hash != first.hash
    assert lay(replace(SAMPLES["en"], accent="#aa0000")).hash != first.hash
    assert lay(SAMPLES["cy"]).hash != first.hash


def test_counts_changing_behind_hidden_results_do_not_change_the_card():
    hidden = poll(visibility=Visibility.AFTER_CLOSE)
    assert lay(card(hidden)).hash == lay(card(hidden, Counts({"o0": 999}, 999))).hash


@pytest.mark.parametrize(("lang", "expected"), [("en", "en"), ("pt-BR", "pt"), ("ga", "ga"), ("xx", "en")])
def test_the_cards_words_fall_back_to_the_base_language_then_english(lang, expected):
    assert card_words.words(lang) == card_words.WORDS[expected]


def test_every_locale_has_every_word_and_a_disclaimer():
    assert set(card_words.WORDS) == set(card_words.LOCALES) == set(DEFAULTS)
    expected = {"closed", "voters", "more", "hidden", "other", "correct"}
    assert all(set(said) == expected for said in card_words.WORDS.values())


@pytest.mark.parametrize("lang", widget_texts.LANGUAGES)
@pytest.mark.parametrize(("word", "widget_key"), [("other", "Other"), ("correct", "(correct answer)")])
def test_the_cards_say_other_and_correct_answer_as_the_widget_does(lang, word, widget_key):
    assert card_words.WORDS[lang][word] == widget_texts.locale(lang)[widget_key]
    assert card_words.WORDS["en"][word] == widget_key  # the widget's English is its key


def test_the_disclaimer_is_drawn_last_in_the_cards_language():
    assert lay(SAMPLES["cy"]).texts("disclaimer") == [DEFAULTS["cy"]]


WRITTEN = Counts({"o0": 10, "o1": 5, "w_0123456789ab": 4, "w_ba9876543210": 1}, 20)


@pytest.mark.parametrize(
    ("merged", "lang", "other", "o1"),
    [
        ({}, None, ("Other", "25.0%"), "25.0%"),
        ({}, "cy", ("Arall", "25.0%"), "25.0%"),
        ({"w_0123456789ab": "o1"}, None, ("Other", "5.0%"), "45.0%"),  # a merged answer's votes move to its option
    ],
)
def test_a_write_in_polls_card_ends_with_other_as_its_results_do(merged, lang, other, o1):
    written = replace(poll(), write_in=True, merged=merged)
    layout = lay(card(written, WRITTEN, lang=lang))
    assert (layout.texts("label")[-1], layout.texts("percent")[-1]) == other
    assert layout.texts("percent")[1] == o1
    assert len(layout.texts("label")) == 4


def test_a_poll_without_write_ins_has_no_other_row():
    assert "Other" not in lay(card(poll())).texts("label")


@pytest.mark.parametrize(
    ("closed", "lang", "marked"),
    [
        (False, None, []),  # the answer stays secret while the quiz is open
        (True, None, ["No, repair the old bridge (correct answer)"]),
        (True, "cy", ["Na ddylai, trwsio'r hen bont (yr ateb cywir)"]),
    ],
)
def test_a_quiz_card_marks_the_right_answer_once_the_quiz_closed(closed, lang, marked):
    quiz = replace(poll(closed=closed), kind=PollKind.QUIZ, correct=("o1",))
    labels = lay(card(quiz, lang=lang)).texts("label")
    assert [label for label in labels if label.endswith(card_words.words(lang or "en")["correct"])] == marked


def test_a_long_right_answer_gives_way_to_its_mark():
    quiz = replace(poll(closed=True), kind=PollKind.QUIZ, correct=("o0",))
    quiz = replace(quiz, options=(replace(quiz.options[0], label="A very long answer " * 12), *quiz.options[1:]))
    layout = lay(card(quiz))
    label = next(run for run in layout.runs if run.role == "label")
    assert label.text.endswith("… (correct answer)")
    room = cards.WIDTH - 2 * cards.MARGIN - measure("100%", label.size, True) - 24  # the percentage's column
    assert measure(label.text, label.size, False) <= room
