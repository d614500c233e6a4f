"""A quiz's answer on the hosted pages (no JavaScript): right or wrong, the correct options and the explanation."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

QUIZ_STYLE = ".qz{border-inline-start:4px solid var(--a);padding:.25rem .9rem;margin:1rem 0}.qz h2{margin:0}"


def answer_html(answer: Mapping[str, Any] | None, labels: Mapping[str, str], lang: str) -> str:
    """Return a quiz's answer as HTML (empty without one): the reader's verdict where known, the correct options,
    the share of right voters where given, and the explanation; all text escaped."""
    if not answer:
        return ""
    html = f'<section class="qz" aria-labelledby="qz-h" lang="{escape(lang)}">'
    right = answer.get("right")
    verdict = "Quiz answer" if right is None else ("Your answer is right" if right else "Your answer is wrong")
    html += f'<h2 id="qz-h" data-right="{"" if right is None else str(bool(right)).lower()}">{verdict}</h2>'
    correct = [labels.get(str(option), str(option)) for option in answer.get("correct") or []]
    noun = "The correct answer is" if len(correct) == 1 else "The correct answers are"
    html += f"<p>{noun}: " + ", ".join(f"<strong>{escape(label)}</strong>" for label in correct) + ".</p>"
    if answer.get("right_share") is not None:
        html += f'<p class="n">{float(answer["right_share"])}% of voters got it right.</p>'
    if answer.get("explanation"):
        html += f'<p class="qx">{escape(str(answer["explanation"]))}</p>'
    return html + "</section>"


def correct_mark(answer: Mapping[str, Any] | None, option_id: str) -> str:
    """Return the words marking a correct option in a results list (empty for the others, or without an answer)."""
    return " (correct answer)" if answer and option_id in (answer.get("correct") or ()) else ""
