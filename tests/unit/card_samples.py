"""The polls the card tests draw: one per golden image (English, Welsh, Arabic, 30 options, hidden, closed)."""

from __future__ import annotations

from chalicelib.core.cards import CardInput, disclaimer
from chalicelib.core.counts import Counts
from chalicelib.core.languages import Translation
from chalicelib.core.poll import Block, Option, Poll, Visibility

NOW = 1_000_000
QUESTION = "Should the council build a new footbridge over the river before the next election?"
LABELS = ("Yes, as soon as possible", "No, repair the old bridge", "Not sure yet")
WELSH = Translation(
    "A ddylai'r cyngor adeiladu pont droed newydd dros yr afon cyn yr etholiad nesaf?",
    {"o0": "Dylai, cyn gynted â phosibl", "o1": "Na ddylai, trwsio'r hen bont", "o2": "Ddim yn siŵr eto (ŵ, ŷ)"},
)
ARABIC = Translation(
    "هل يجب على المجلس بناء جسر جديد للمشاة فوق النهر قبل الانتخابات المقبلة؟",
    {"o0": "نعم، في أقرب وقت ممكن", "o1": "لا، إصلاح الجسر القديم", "o2": "لست متأكدًا بعد"},
)
COUNTS = Counts({"o0": 120, "o1": 80, "o2": 13}, 213)


def poll(
    options: int = 3,
    visibility: Visibility = Visibility.ALWAYS,
    closed: bool = False,
    question: str = QUESTION,
) -> Poll:
    """Return a poll with three options (or `options` numbered ones), translated into Welsh and Arabic."""
    labels = LABELS if options == 3 else tuple(f"Option number {i + 1}" for i in range(options))
    translations = {"cy": WELSH, "ar": ARABIC} if options == 3 else {}
    return Poll(
        id="p-card",
        question=question,
        options=tuple(Option(f"o{i}", label) for i, label in enumerate(labels)),
        opens_at=NOW - 100,
        closes_at=None,
        closed=closed,
        max_choices=1,
        results_visibility=visibility,
        block=Block.VOTER,
        ip_limit=20,
        created_at=NOW - 100,
        incarnation="inc1",
        translations=translations,
    )


def card(
    the_poll: Poll, counts: Counts = COUNTS, lang: str | None = None, site: str = "The Riverside Gazette"
) -> CardInput:
    """Return what a card of the poll in a language is made from."""
    shown = the_poll.text_in(lang)[0]
    return CardInput(the_poll, counts, NOW, lang, site, "#0b5cad", disclaimer(the_poll, shown))


MANY = Counts({f"o{i}": (i * 7) % 31 + 1 for i in range(30)}, 0)
MANY.voters = sum(MANY.votes.values())
SAMPLES = {  # golden image name -> card
    "en": card(poll()),
    "cy": card(poll(), lang="cy"),
    "ar": card(poll(), lang="ar"),
    "thirty": card(poll(options=30), MANY),
    "hidden": card(poll(visibility=Visibility.AFTER_CLOSE)),
    "closed": card(poll(closed=True)),
}
