"""A share card's layout: what a 1200x630 card of a poll shows and where, as text runs and bars, with no drawing.

The layout is pure (the renderer passes a text-measuring callback), so what a card says can be tested without an
image, and its content hash names the PNG: the same content is never drawn twice.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

from chalicelib.core.card_words import words
from chalicelib.core.counts import Counts, percent, shown_votes
from chalicelib.core.pages import direction
from chalicelib.core.poll import Poll, Status
from chalicelib.core.quiz import answer_public
from chalicelib.core.visibility import is_public

WIDTH, HEIGHT, MARGIN = 1200, 630, 60
LAYOUT_VERSION = 2  # part of the hash: a change of how cards look renders every card afresh
INK, MUTED, TRACK, PAPER = "#1a1a1a", "#555555", "#e6e8eb", "#ffffff"
QUESTION_SIZES = (46, 40, 34, 30)  # largest that wraps in QUESTION_LINES lines wins
QUESTION_LINES = 3
OPTION_SIZES = (30, 26, 22)  # 22 px is the least still legible in a shared thumbnail
MORE_GAP = 6
_JOINERS = {"\u200d", "\u200c"} | {chr(c) for c in range(0xFE00, 0xFE10)}  # ZWJ/ZWNJ, variation selectors
# text, font size (px), bold -> its width in px; the renderer's fonts measure (shaped, for right-to-left text)
Measure = Callable[[str, int, bool], float]


@dataclass(frozen=True)
class Run:
    """A line of text: its top edge at y, starting at x (anchor "left") or ending there (anchor "right")."""

    role: str  # site, status, question, label, percent, voters, more, disclaimer
    text: str
    x: float
    y: float
    size: int
    bold: bool
    colour: str
    anchor: str = "left"


@dataclass(frozen=True)
class Bar:
    """A filled box (a results bar, its track, the accent strip)."""

    role: str
    x: float
    y: float
    width: float
    height: float
    colour: str


@dataclass(frozen=True)
class CardLayout:
    """Everything one card shows: its language, direction, runs of text and bars, and its alt text."""

    lang: str
    rtl: bool
    runs: tuple[Run, ...]
    bars: tuple[Bar, ...]
    alt: str
    width: int = WIDTH
    height: int = HEIGHT
    background: str = PAPER

    @property
    def hash(self) -> str:
        """Return the card's name: 16 hex digits of the SHA-256 of its content."""
        content = {"v": LAYOUT_VERSION, **asdict(self)}
        encoded = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:16]

    @property
    def hides_results(self) -> bool:
        """Tell whether the card shows no results (they are hidden: it says so instead)."""
        return any(run.role == "hidden" for run in self.runs)

    def texts(self, role: str | None = None) -> list[str]:
        """Return the text of every run (of one role), top to bottom."""
        return [run.text for run in self.runs if role is None or run.role == role]


def disclaimer(poll: Poll, lang: str) -> str | None:
    """Return the disclaimer a card in this language shows: the poll's rule (default, custom or off)."""
    return poll.disclaimer_in(lang)


def _sized(measure: Measure, size: int, bold: bool) -> Callable[[str], float]:
    """Return a measure of text in one size and weight."""
    return lambda text: measure(text, size, bold)


def graphemes(text: str) -> list[str]:
    """Split text into characters with their combining marks (a mark, or a joiner's next character, stays attached)."""
    found: list[str] = []
    for char in text:
        attached = unicodedata.combining(char) or unicodedata.category(char) in {"Mn", "Me", "Mc"} or char in _JOINERS
        if found and (attached or found[-1].endswith("\u200d")):
            found[-1] += char
        else:
            found.append(char)
    return found


def _break_word(word: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Break a word wider than a line into pieces that fit (at least one character each)."""
    pieces: list[str] = []
    for char in graphemes(word):
        if pieces and measure(pieces[-1] + char) <= width:
            pieces[-1] += char
        else:
            pieces.append(char)
    return pieces


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Break text into lines no wider than width, between words; only a word wider than a line is broken inside."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and measure(candidate) <= width:
            lines[-1] = candidate
        elif measure(word) <= width:
            lines.append(word)
        else:  # a word no line holds (a URL, a long compound): broken by characters, starting on a line of its own
            lines += _break_word(word, width, measure)
    return lines


def fit_line(text: str, width: float, measure: Callable[[str], float]) -> str:
    """Return text if it fits one line, else its leading whole words and an ellipsis (a first word wider than the
    line: as many of its characters as fit)."""
    if measure(text) <= width:
        return text
    kept = text.split() or ["…"]
    while len(kept) > 1 and measure(" ".join(kept) + "…") > width:
        kept.pop()
    if len(kept) > 1 or measure(kept[0] + "…") <= width:
        return " ".join(kept) + "…"
    chars = graphemes(kept[0])
    while len(chars) > 1 and measure("".join(chars) + "…") > width:
        chars.pop()
    return "".join(chars) + "…"


@dataclass(frozen=True)
class CardInput:
    """What a card is made from: the poll and its counts at a moment, in one language, with the site's settings."""

    poll: Poll
    counts: Counts
    now: float
    lang: str | None
    site_name: str
    accent: str
    disclaimer: str | None


def _question(text: str, top: float, measure: Measure, tall: bool) -> tuple[list[Run], float]:
    """Lay out the question in the largest size whose whole words wrap in QUESTION_LINES lines; return runs, bottom."""
    inner = WIDTH - 2 * MARGIN
    for size in QUESTION_SIZES:
        lines = wrap(text, inner, _sized(measure, size, True))
        if len(lines) <= QUESTION_LINES and all(measure(word, size, True) <= inner for word in text.split()):
            break
    if len(lines) > QUESTION_LINES:  # still too long at the smallest size: whole words, then an ellipsis
        lines = lines[: QUESTION_LINES - 1] + [
            fit_line(" ".join(lines[QUESTION_LINES - 1 :]), inner, _sized(measure, size, True))
        ]
    step = round(size * (1.45 if tall else 1.2))
    runs = [Run("question", line, MARGIN, top + i * step, size, True, INK) for i, line in enumerate(lines)]
    return runs, top + len(lines) * step


def _options(cards: CardInput, other: int, said: dict[str, str]) -> list[tuple[str, int, str]]:
    """Return each row's label, votes and mark: the options (a closed quiz's right ones marked "(correct answer)"),
    then Other where the results show it (a write-in poll, or votes written in before write-ins were turned off)."""
    poll, (_, _, labels) = cards.poll, cards.poll.text_in(cards.lang)
    right = set(poll.correct) if answer_public(poll, cards.now) else set()
    rows = [(labels[o.id], cards.counts.votes.get(o.id, 0), said["correct"] * (o.id in right)) for o in poll.options]
    return rows + ([(said["other"], other, "")] if poll.write_in or other else [])


def _rows(
    cards: CardInput, options: list[tuple[str, int, str]], public: bool, room: float, tall: bool
) -> tuple[list[tuple[str, str, int, str]], int, int]:
    """Choose the rows that fit: (label, percent text, votes, mark), the label size, and how many are left out."""
    for size in OPTION_SIZES:
        row = _row_height(size, public, tall)
        if len(options) * row <= room:
            break
    shown = options
    if len(options) * row > room:  # the top ones by votes (poll order while hidden: the order would tell) and "+ N"
        fits = max(1, int((room - size - MORE_GAP) // row))
        shown = sorted(options, key=lambda item: -item[1])[:fits] if public else options[:fits]
    rows = [
        (label, f"{percent(votes, cards.counts.voters):.1f}%" if public else "", votes, mark)
        for label, votes, mark in shown
    ]
    return rows, size, len(options) - len(shown)


def _line(size: int, tall: bool) -> int:
    """Return the height of a line of option text."""
    return round(size * (1.5 if tall else 1.25))


def _row_height(size: int, public: bool, tall: bool) -> int:
    """Return the height of one option row: its label (taller for Arabic's descenders), and its bar if public."""
    return _line(size, tall) + (round(size * 0.45) + 14 if public else 8)


def layout(cards: CardInput, measure: Measure) -> CardLayout:
    """Lay out a poll's card in one language: site, status, question, options (with results where public), footer."""
    poll, now = cards.poll, cards.now
    shown, other = shown_votes(poll, cards.counts)  # merged write-ins in their options
    cards = replace(cards, counts=Counts(shown, cards.counts.voters))
    lang, question, _ = poll.text_in(cards.lang)
    said, public = words(lang), is_public(poll, now)
    closed = poll.status_at(now) is Status.CLOSED
    runs = [Run("site", fit_line(cards.site_name, 700, _sized(measure, 26, True)), MARGIN, 44, 26, True, cards.accent)]
    if closed:
        runs.append(Run("status", said["closed"], WIDTH - MARGIN, 44, 26, True, INK, anchor="right"))
    bars = [Bar("accent", 0, 0, WIDTH, 14, cards.accent)]
    tall = direction(lang) == "rtl"
    question_runs, bottom = _question(question, 96, measure, tall)
    runs += question_runs
    footer = _footer(cards, said, public, measure)
    rows, size, more = _rows(cards, _options(cards, other, said), public, footer[0].y - 24 - (bottom + 20), tall)
    y = bottom + 20
    inner = WIDTH - 2 * MARGIN
    for label, share, votes, mark in rows:
        label_width = inner - (measure("100%", size, True) + 24 if public else 0)
        marked = f" {mark}" if mark else ""  # kept whole: the label gives way to it
        text = fit_line(label, label_width - measure(marked, size, False), _sized(measure, size, False)) + marked
        runs.append(Run("label", text, MARGIN, y, size, False, INK))
        if public:
            runs.append(Run("percent", share, WIDTH - MARGIN, y, size, True, INK, anchor="right"))
            bar_y, bar_h = y + _line(size, tall) + 2, round(size * 0.45)
            bars.append(Bar("track", MARGIN, bar_y, inner, bar_h, TRACK))
            filled = inner * votes / cards.counts.voters if cards.counts.voters else 0
            if filled > 0:
                bars.append(Bar("fill", MARGIN, bar_y, filled, bar_h, cards.accent))
        y += _row_height(size, public, tall)
    if more:
        runs.append(Run("more", said["more"].format(n=more), MARGIN, y + MORE_GAP, size, True, MUTED))
    runs += footer
    card = CardLayout(
        lang=lang, rtl=direction(lang) == "rtl", runs=tuple(runs), bars=tuple(bars), alt=_alt(cards, public)
    )
    return mirrored(card) if card.rtl else card


def _footer(cards: CardInput, said: dict[str, str], public: bool, measure: Measure) -> list[Run]:
    """Lay out the footer from the bottom up: the disclaimer (two lines at most), above it the voters or hidden note."""
    inner, runs, y = WIDTH - 2 * MARGIN, [], float(HEIGHT - 40)
    if cards.disclaimer:
        lines = wrap(cards.disclaimer, inner, _sized(measure, 20, False))
        if len(lines) > 2:
            lines = [lines[0], fit_line(" ".join(lines[1:]), inner, _sized(measure, 20, False))]
        y -= 26 * len(lines)
        runs = [Run("disclaimer", line, MARGIN, y + i * 26, 20, False, MUTED) for i, line in enumerate(lines)]
    note = said["voters"].format(n=f"{cards.counts.voters:,}") if public else said["hidden"]
    return [Run("voters" if public else "hidden", note, MARGIN, y - 34, 22, True, INK), *runs]


def _alt(cards: CardInput, public: bool) -> str:
    """Return the card's alt text: the question and, where results are public and one option strictly leads, it."""
    _, question, labels = cards.poll.text_in(cards.lang)
    votes = sorted(((cards.counts.votes.get(o.id, 0), o.id) for o in cards.poll.options), reverse=True)
    if not public or not votes or votes[0][0] == 0 or (len(votes) > 1 and votes[1][0] == votes[0][0]):
        return question  # hidden, no votes, or a tie: no leader to name
    share = percent(votes[0][0], cards.counts.voters)
    return f"{question} — leading: {labels[votes[0][1]]} ({share:.1f}%)"


def mirrored(card: CardLayout) -> CardLayout:
    """Return the layout mirrored (for right-to-left languages): anchors swap, bars grow from the right."""
    flip = {"left": "right", "right": "left"}
    runs = tuple(replace(run, x=WIDTH - run.x, anchor=flip[run.anchor]) for run in card.runs)
    bars = tuple(replace(bar, x=WIDTH - bar.x - bar.width) for bar in card.bars)
    return replace(card, runs=runs, bars=bars)
