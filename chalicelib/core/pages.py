"""The hosted poll pages: a static page per poll and language, the page a form vote ends on, and the static results
page (none of them needs JavaScript)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import Any

from chalicelib.core.poll import Challenge, Poll, Status, Visibility
from chalicelib.core.quiz_pages import QUIZ_STYLE, answer_html, correct_mark
from chalicelib.core.times import to_iso

RTL = frozenset({"ar", "fa", "he", "ur", "yi"})
# The pages' name and accent without the stage's SITE_NAME and ACCENT_COLOUR (which settings check against ACCENT_RE).
DEFAULT_NAME = "Readers' poll"
DEFAULT_ACCENT = "#0b5cad"
ACCENT_RE = re.compile(r"#[0-9a-fA-F]{6}")
STYLE = (
    "body{margin:0;font:1.0625rem/1.5 system-ui,Arial,sans-serif;color:#1a1a1a;background:#fff}"
    "header{border-bottom:4px solid var(--a);padding:.6rem 1.25rem}header p{margin:0 auto;max-width:40rem;"
    "font-weight:700}main{max-width:40rem;margin:0 auto;padding:1rem 1.25rem}h1{font-size:1.5rem;line-height:1.25;"
    "margin:0 0 .75rem}fieldset{border:0;margin:0;padding:0}legend{padding:0}"
    "label{display:flex;gap:.6rem;align-items:center;padding:.35rem 0}input{width:1.2rem;height:1.2rem}"
    ".o input{width:auto;height:auto;flex:1}"
    "button{font:inherit;font-weight:700;margin-top:.75rem;padding:.5rem 1.25rem;border:2px solid var(--a);"
    "border-radius:4px;background:var(--a);color:#fff;cursor:pointer}:focus-visible{outline:3px solid var(--a);"
    "outline-offset:2px}ul{list-style:none;padding:0}li{margin:0 0 .6rem}.n,.d{color:#555}.d{font-size:.9rem}"
    "meter{display:block;width:100%;height:.8rem}a{color:var(--a)}" + QUIZ_STYLE
)
FORM_ACTION = "/api/polls/{id}/form"
WIDGET = "/widget/poll-widget.js"
HIDDEN = {
    Visibility.AFTER_VOTE: "The results are shown to readers who have voted: vote in the poll to see them.",
    Visibility.AFTER_CLOSE: "The results will be published when the poll closes.",
    Visibility.NEVER: "The results of this poll are not published.",
}
STATUS = {Status.SCHEDULED: "Poll not open yet", Status.OPEN: "Poll open", Status.CLOSED: "Poll closed"}


@dataclass(frozen=True)
class CardRef:
    """A poll's share card as its pages name it: the image's path on the site, its alt text and size."""

    path: str
    alt: str
    width: int = 1200
    height: int = 630


def direction(lang: str) -> str:
    """Return the writing direction of a language tag."""
    return "rtl" if lang.split("-", maxsplit=1)[0].lower() in RTL else "ltr"


def page_path(poll_id: str, lang: str | None) -> str:
    """Return a hosted page's path: /p/<id> in the poll's own language, /p/<id>/<lang> for a translation."""
    return f"/p/{poll_id}" + (f"/{lang}" if lang else "")


def results_path(poll_id: str, lang: str | None) -> str:
    """Return a results page's path: /r/<id> in the poll's own language, /r/<id>/<lang> for a translation."""
    return f"/r/{poll_id}" + (f"/{lang}" if lang else "")


def _head(title: str, lang: str, extra: str = "", accent: str = DEFAULT_ACCENT) -> str:
    """Return the document's opening up to <body>."""
    colour = accent if ACCENT_RE.fullmatch(accent) else DEFAULT_ACCENT
    return (
        f'<!doctype html>\n<html lang="{escape(lang)}" dir="{direction(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{extra}<style>:root{{--a:{colour}}}{STYLE}</style></head>\n<body>"
    )


def _banner(name: str) -> str:
    """Return the site's name at the top of a page."""
    return f"<header><p>{escape(name or DEFAULT_NAME)}</p></header>"


def _disclaimer(text: str | None, lang: str) -> str:
    """Return the disclaimer line, if the poll has one."""
    return f'<p class="d" lang="{escape(lang)}" dir="{direction(lang)}">{escape(text)}</p>' if text else ""


def _article(url: str | None) -> str:
    """Return the link back to the poll's article, if it has one."""
    return f'<p><a href="{escape(url)}">Back to the article</a></p>' if url else ""


def _card_tags(card: CardRef | None, site: str | None) -> list[tuple[str, str, str]]:
    """Return the image tags of a page with a card and a site URL (else the text-only Twitter card)."""
    if card is None or not site:
        return [("name", "twitter:card", "summary")]
    image = site + card.path
    return [
        ("property", "og:image", image),
        ("property", "og:image:width", str(card.width)),
        ("property", "og:image:height", str(card.height)),
        ("property", "og:image:alt", card.alt),
        ("name", "twitter:card", "summary_large_image"),
        ("name", "twitter:image", image),
        ("name", "twitter:image:alt", card.alt),
    ]


def _meta(
    poll: Poll, lang: str | None, question: str, labels: list[str], site: str | None, *, card: CardRef | None
) -> str:
    """Return the Open Graph, Twitter card and language-alternate tags of a hosted page."""
    description = "Vote now: " + " / ".join(labels)
    tags = [
        ("name", "description", description),
        ("property", "og:type", "website"),
        ("property", "og:title", question),
        ("property", "og:description", description),
        ("property", "og:locale", (lang or poll.lang).replace("-", "_")),
        *_card_tags(card, site),
        ("name", "twitter:title", question),
        ("name", "twitter:description", description),
    ]
    if site:
        tags.append(("property", "og:url", site + page_path(poll.id, lang)))
    out = "".join(f'<meta {kind}="{name}" content="{escape(value)}">' for kind, name, value in tags)
    if site:
        out += f'<link rel="canonical" href="{escape(site + page_path(poll.id, lang))}">'
        alternates = [(poll.lang, None), *((tag, tag) for tag in sorted(poll.translations))]
        if len(alternates) > 1:
            for tag, path_lang in alternates:
                href = escape(site + page_path(poll.id, path_lang))
                out += f'<link rel="alternate" hreflang="{escape(tag)}" href="{href}">'
            out += f'<link rel="alternate" hreflang="x-default" href="{escape(site + page_path(poll.id, None))}">'
    return out


def _fallback(poll: Poll, shown_lang: str, question: str, options: list[tuple[str, str]]) -> str:
    """Return what readers without the widget get: the question once, and a form where no challenge needs JavaScript."""
    heading = f"<h1>{escape(question)}</h1>"
    if poll.challenge is not Challenge.NONE:
        listed = "".join(f"<li>{escape(label)}</li>" for _, label in options)
        return (
            f"{heading}<ul>{listed}</ul><p>Voting in this poll needs JavaScript: your browser solves a small check "
            "that keeps automated votes out. Turn JavaScript on and reload this page to vote.</p>"
        )
    kind = "radio" if poll.max_choices == 1 else "checkbox"
    hint = "" if poll.max_choices == 1 else f'<p class="n">Choose up to {poll.max_choices}.</p>'
    inputs = "".join(
        f'<label><input type="{kind}" name="option" value="{escape(oid)}"'
        f"{' required' if kind == 'radio' and not poll.write_in else ''}>"
        f'<span lang="{escape(shown_lang)}">{escape(label)}</span></label>'
        for oid, label in options
    )
    if poll.write_in:  # a reader's own answer, held for moderation (never shown to others unapproved)
        inputs += '<label class="o">Other <input type="text" name="other" maxlength="80"></label>'
    return (
        f'<form method="post" action="{FORM_ACTION.format(id=escape(poll.id))}">'
        f"<fieldset><legend>{heading}</legend>{hint}{inputs}</fieldset>"
        f'<input type="hidden" name="lang" value="{escape(shown_lang)}">'
        '<button type="submit">Vote</button></form>'
    )


def poll_page(
    poll: Poll,
    now: float,
    lang: str | None,
    site: str | None,
    card: CardRef | None = None,
    *,
    name: str = DEFAULT_NAME,
    accent: str = DEFAULT_ACCENT,
) -> str:
    """Return a poll's hosted page in a language (None: its own): the site's name, the widget with a form for readers
    without it (the question once: the form's heading, which the widget's own replaces), the disclaimer and links."""
    shown_lang, question, labels = poll.text_in(lang)
    options = [(o.id, labels[o.id]) for o in poll.options]
    fallback = _fallback(poll, shown_lang, question, options) + _disclaimer(poll.disclaimer_in(lang), shown_lang)
    meta = _meta(poll, lang, question, [label for _, label in options], site, card=card)
    return (
        _head(question, shown_lang, meta, accent)
        + _banner(name)
        + f'<main><div data-poll-id="{escape(poll.id)}" data-lang="{escape(shown_lang)}">{fallback}</div>'
        + _article(poll.article_url)
        + f'<p><a href="{escape(results_path(poll.id, lang))}">See the results</a></p>'
        + f'<script src="{WIDGET}" defer></script></main>\n</body></html>\n'
    )


def _results_list(results: dict[str, Any], lang: str) -> str:
    """Return the results: each option with its votes, percentage and a bar (a <meter>), then the write-ins not
    approved as one "Other" line, then the voters."""
    other = results.get("other") or {}
    rows = "".join(
        f'<li><span lang="{escape(lang)}" dir="{direction(lang)}">{escape(str(o["label"]))}</span>'
        f"{correct_mark(results.get('quiz'), str(o.get('id', '')))}: {int(o['votes'])} "
        f'({float(o["percent"])}%)<meter min="0" max="100" value="{float(o["percent"])}" aria-hidden="true">'
        "</meter></li>"
        for o in [*results.get("options", []), *([{"label": "Other", **other}] if other.get("votes") else [])]
    )
    total = int(results.get("total_voters", 0))
    return f'<ul>{rows}</ul><p class="n">{total} voter{"" if total == 1 else "s"}</p>'


def vote_page(
    poll_id: str,
    heading: str,
    message: str,
    results: dict[str, Any] | None,
    outcome: str,
    *,
    poll: Poll | None = None,
    quiz: dict[str, Any] | None = None,
    name: str = DEFAULT_NAME,
    accent: str = DEFAULT_ACCENT,
) -> str:
    """Return the page a form vote ends on: what happened, a quiz's answer (its `quiz`, or with the results), the
    results where this reader may see them (once, with the disclaimer), a way back to the poll and to its article."""
    lang = str((results or {}).get("lang") or "en")
    body = f"<p>{escape(message)}</p>"
    answer = {**((results or {}).get("quiz") or {}), **(quiz or {})}
    body += answer_html(answer, poll.text_in(lang)[2] if poll else {}, lang)
    if results is not None:
        question = f'<p lang="{escape(lang)}" dir="{direction(lang)}">{escape(str(results.get("question", "")))}</p>'
        body += f"<h2>Results</h2>{question}{_results_list(results, lang)}"
        body += _disclaimer(poll.disclaimer_in(lang) if poll else None, lang)
    back = page_path(poll_id, None)
    return (
        _head(heading, "en", accent=accent)
        + _banner(name)
        + f'<main data-outcome="{escape(outcome)}"><h1>{escape(heading)}</h1>{body}'
        + f'<p><a href="{escape(back)}">Back to the poll</a></p>'
        + _article(poll.article_url if poll else None)
        + "</main>\n</body></html>\n"
    )


def _when_hidden(poll: Poll, now: float) -> str:
    """Say when a poll's hidden results will be shown (the visibility rule's words for a reader)."""
    if poll.status_at(now) is Status.SCHEDULED:
        return f"The poll opens at {_time(to_iso(poll.opens_at))}; there are no results yet."
    text = HIDDEN.get(poll.results_visibility, "The results are hidden.")
    if poll.results_visibility is Visibility.AFTER_CLOSE and poll.closes_at is not None:
        text = f"The results will be published when the poll closes, at {_time(to_iso(poll.closes_at))}."
    return text


def _time(iso: str | None) -> str:
    """Return a <time> element for a moment given in ISO 8601 UTC."""
    iso = iso or ""
    return f'<time datetime="{escape(iso)}">{escape(iso.replace("T", " ").replace("Z", " UTC"))}</time>'


def results_page(
    poll: Poll,
    results: dict[str, Any] | None,
    now: float,
    lang: str | None,
    *,
    name: str = DEFAULT_NAME,
    accent: str = DEFAULT_ACCENT,
) -> str:
    """Return a poll's static results page in a language (None: its own), for links and iframes (amp-iframe too):
    the results while they are public (`results` given), else when they will be; no form, no script."""
    shown_lang, question, _ = poll.text_in(lang)
    status = poll.status_at(now)
    body = f'<h1>{escape(question)}</h1><p class="n">{STATUS[status]}</p>'
    if results is not None:
        body += answer_html(
            results.get("quiz"), {str(o["id"]): str(o["label"]) for o in results["options"]}, shown_lang
        )
        body += _results_list(results, shown_lang)
        body += f'<p class="n">As of {_time(str(results.get("as_of") or to_iso(now)))}</p>'
    else:
        body += f"<p>{_when_hidden(poll, now)}</p>"
    body += _disclaimer(poll.disclaimer_in(lang), shown_lang)
    verb = "Vote in the poll" if status is Status.OPEN else "See the poll"
    body += f'<p><a href="{escape(page_path(poll.id, lang))}">{verb}</a></p>' + _article(poll.article_url)
    description = f'<meta name="description" content="{escape("Results: " + question)}">'
    return (
        _head(f"Results: {question}", shown_lang, description, accent)
        + _banner(name)
        + f"<main>{body}</main>\n</body></html>\n"
    )
