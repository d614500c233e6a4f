"""The hosted poll pages: a static page per poll and language, and the page a form vote ends on (no JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from chalicelib.core.poll import Challenge, Poll

RTL = frozenset({"ar", "fa", "he", "ur", "yi"})
STYLE = (
    "body{margin:0;font:1.0625rem/1.5 system-ui,Arial,sans-serif;color:#1a1a1a;background:#fff}"
    "main{max-width:40rem;margin:0 auto;padding:1rem 1.25rem}h1{font-size:1.5rem;line-height:1.25}"
    "fieldset{border:0;margin:0;padding:0}legend{font-weight:700;margin-bottom:.5rem}"
    "label{display:flex;gap:.6rem;align-items:center;padding:.35rem 0}input{width:1.2rem;height:1.2rem}"
    "button{font:inherit;font-weight:700;margin-top:.75rem;padding:.5rem 1.25rem;border:2px solid #0b5cad;"
    "border-radius:4px;background:#0b5cad;color:#fff;cursor:pointer}:focus-visible{outline:3px solid #0b5cad;"
    "outline-offset:2px}ul{list-style:none;padding:0}li{margin:0 0 .6rem}.n{color:#555}"
    "meter{display:block;width:100%;height:.8rem}a{color:#0b5cad}"
)
FORM_ACTION = "/api/polls/{id}/form"
WIDGET = "/widget/poll-widget.js"


@dataclass(frozen=True)
class CardRef:
    """A share card a page names as its og:image: its path on the site, alt text and size."""

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


def _head(title: str, lang: str, extra: str = "") -> str:
    """Return the document's opening up to <body>."""
    return (
        f'<!doctype html>\n<html lang="{escape(lang)}" dir="{direction(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{extra}<style>{STYLE}</style></head>\n<body>"
    )


def _meta(
    poll: Poll, lang: str | None, question: str, labels: list[str], site: str | None, *, card: CardRef | None = None
) -> str:
    """Return the Open Graph, Twitter card and language-alternate tags of a hosted page (with its card's image)."""
    description = "Vote now: " + " / ".join(labels)
    tags = [
        ("name", "description", description),
        ("property", "og:type", "website"),
        ("property", "og:title", question),
        ("property", "og:description", description),
        ("property", "og:locale", (lang or poll.lang).replace("-", "_")),
        ("name", "twitter:card", "summary_large_image" if site and card else "summary"),
        ("name", "twitter:title", question),
        ("name", "twitter:description", description),
    ]
    if site and card:
        image = site + card.path
        tags += [
            ("property", "og:image", image),
            ("property", "og:image:width", str(card.width)),
            ("property", "og:image:height", str(card.height)),
            ("property", "og:image:alt", card.alt),
            ("name", "twitter:image", image),
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


def poll_page(poll: Poll, now: float, lang: str | None, site: str | None, card: CardRef | None = None) -> str:
    """Return a poll's hosted page in a language (None: its own): the widget, and a form for readers without it."""
    shown_lang, question, labels = poll.text_in(lang)
    options = [(o.id, labels[o.id]) for o in poll.options]
    kind = "radio" if poll.max_choices == 1 else "checkbox"
    hint = "" if poll.max_choices == 1 else f'<p class="n">Choose up to {poll.max_choices}.</p>'
    if poll.challenge is Challenge.NONE:
        inputs = "".join(
            f'<label><input type="{kind}" name="option" value="{escape(oid)}"'
            f"{' required' if kind == 'radio' else ''}>"
            f'<span lang="{escape(shown_lang)}">{escape(label)}</span></label>'
            for oid, label in options
        )
        fallback = (
            f'<form method="post" action="{FORM_ACTION.format(id=escape(poll.id))}">'
            f"<fieldset><legend>Your answer</legend>{hint}{inputs}</fieldset>"
            f'<input type="hidden" name="lang" value="{escape(shown_lang)}">'
            '<button type="submit">Vote</button></form>'
        )
    else:
        listed = "".join(f"<li>{escape(label)}</li>" for _, label in options)
        fallback = (
            f"<ul>{listed}</ul><p>Voting in this poll needs JavaScript: your browser solves a small check that keeps "
            "automated votes out. Turn JavaScript on and reload this page to vote.</p>"
        )
    meta = _meta(poll, lang, question, [label for _, label in options], site, card=card)
    return (
        _head(question, shown_lang, meta)
        + f"<main><h1>{escape(question)}</h1>"
        + f'<div data-poll-id="{escape(poll.id)}" data-lang="{escape(shown_lang)}">{fallback}</div>'
        + f'<script src="{WIDGET}" defer></script></main>\n</body></html>\n'
    )


def vote_page(poll_id: str, heading: str, message: str, results: dict[str, Any] | None, outcome: str) -> str:
    """Return the page a form vote ends on: what happened, the results where this reader may see them, a way back."""
    lang = str((results or {}).get("lang") or "en")
    body = f"<p>{escape(message)}</p>"
    if results is not None:
        rows = "".join(
            f'<li><span lang="{escape(lang)}">{escape(str(o["label"]))}</span>: {int(o["votes"])} '
            f'({o["percent"]}%)<meter min="0" max="100" value="{o["percent"]}" aria-hidden="true"></meter></li>'
            for o in results.get("options", [])
        )
        total = int(results.get("total_voters", 0))
        body += f'<h2>Results</h2><ul>{rows}</ul><p class="n">{total} voter{"" if total == 1 else "s"}</p>'
    back = page_path(poll_id, None)
    return (
        _head(heading, "en")
        + f'<main data-outcome="{escape(outcome)}"><h1>{escape(heading)}</h1>{body}'
        + f'<p><a href="{escape(back)}">Back to the poll</a></p></main>\n</body></html>\n'
    )
