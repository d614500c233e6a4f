"""The share cards at the edge: each poll's card per language, drawn only when its content changed.

  cards/<id>/<lang>.<hash>.png   immutable; <hash> names the card's layout content (core/cards.py), not its bytes
  cards/<id>/<lang>/latest.png   the same bytes under a stable name, cached for a minute (newsletters)
  private/cards/<id>.json        the manifest: the newest card per language, its hash and alt text

Two triggers, both in the card function (its own Lambda with Pillow and the fonts in its layer):
`render_changed` on the polls table's stream renders at once the polls whose definition changed (created, edited,
closed), and `refresh` every CARD_EVERY seconds re-renders the active polls whose card content changed since (new
counts): so at most one render per CARD_EVERY per poll while its counts change, and none without a change (each
layout's hash is compared with the manifest before anything is drawn). After rendering, the hosted pages are
rewritten so their og:image names the newest card.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from chalicelib.core import caching
from chalicelib.core.cards import CardInput, CardLayout, disclaimer, layout
from chalicelib.core.counts import Counts
from chalicelib.core.errors import DomainError, PollNotFound
from chalicelib.core.pages import direction
from chalicelib.core.poll import Poll, Status
from chalicelib.runtime import clock, observability
from chalicelib.runtime.settings import get_settings
from chalicelib.services import edge
from chalicelib.store.adapters import archive, defined_polls, store

PNG_TYPE = "image/png"
LATEST_MAX_AGE = 60


@dataclass
class CardReport:
    """What one run of the card function did."""

    polls: int = 0
    rendered: int = 0  # cards drawn and written
    unchanged: int = 0  # cards whose content is what the manifest names: nothing drawn
    failed: int = 0
    rendered_polls: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return asdict(self)


def layouts(poll: Poll, counts: Counts, now: float) -> dict[str, CardLayout]:
    """Lay out a poll's card in each of its languages (measured with the renderer's fonts)."""
    from chalicelib.services import card_renderer as renderer  # noqa: PLC0415 - Pillow: the card function's layer

    found, settings = {}, get_settings()
    for lang in poll.languages():
        source = CardInput(poll, counts, now, lang, settings.site_name, settings.accent_colour, disclaimer(poll, lang))
        rtl = direction(poll.text_in(lang)[0]) == "rtl"
        found[lang] = layout(source, renderer.measure_rtl if rtl else renderer.measure_ltr)
    return found


def card_key(poll_id: str, lang: str, card: CardLayout) -> str:
    """Return a card's immutable key."""
    return f"{edge.CARD_PREFIX}/{poll_id}/{lang}.{card.hash}.png"


def latest_key(poll_id: str, lang: str) -> str:
    """Return the stable key of a language's newest card (newsletters)."""
    return f"{edge.CARD_PREFIX}/{poll_id}/{lang}/latest.png"


def render(poll: Poll, counts: Counts, now: float, report: CardReport) -> bool:
    """Draw and write the cards of a poll whose content changed, then its manifest and pages; True if any was.

    Drawing takes a while: the poll is read again (strongly consistent) before the manifest and pages are written,
    so a poll deleted meanwhile gets nothing back (the cards just drawn are deleted), and a poll changed meanwhile
    gets pages of its new definition (its change is on the stream: its cards follow). Only the hosted pages are
    written here, never the poll's document: the API and the snapshot job own it.
    """
    from chalicelib.services import card_renderer as renderer  # noqa: PLC0415

    known = edge.card_manifest(poll.id)
    drawn: dict[str, dict[str, str]] = {}
    for lang, card in layouts(poll, counts, now).items():
        if lang in known and known[lang]["hash"] == card.hash:
            report.unchanged += 1
            continue
        data, key = renderer.png(card), card_key(poll.id, lang, card)
        archive().put(key, data, PNG_TYPE, caching.IMMUTABLE)
        archive().put(latest_key(poll.id, lang), data, PNG_TYPE, caching.public(LATEST_MAX_AGE))
        drawn[lang] = {"key": key, "hash": card.hash, "alt": card.alt}
        report.rendered += 1
        if card.hides_results:  # hidden (again): no earlier card of this language may still show the numbers
            superseded = archive().list_keys(f"{edge.CARD_PREFIX}/{poll.id}/{lang}.")
            archive().delete([other for other in superseded if other != key])
    dropped = set(known) - set(poll.languages())  # languages removed since (drop_pages deleted their cards)
    if not drawn and not dropped:
        return False
    fresh = _current(poll)
    if fresh is None:  # deleted while drawing: what was just written must not outlive it
        archive().delete(_written_keys(poll.id, drawn))
        return False
    languages = set(fresh.languages())
    orphans = {lang: entry for lang, entry in drawn.items() if lang not in languages}  # dropped while drawing
    if orphans:
        archive().delete(_written_keys(poll.id, orphans))
    known = {lang: entry for lang, entry in {**known, **drawn}.items() if lang in languages}
    document = {"cards": known, "rendered_at": int(now)}
    archive().put(edge.card_manifest_key(poll.id), edge.json_bytes(document), edge.JSON_TYPE, caching.NO_STORE)
    if set(drawn) - set(orphans):
        edge.write_pages(fresh, now, edge.refs_of(known))
        report.rendered_polls.append(poll.id)
        return True
    return False


def _written_keys(poll_id: str, drawn: dict[str, dict[str, str]]) -> list[str]:
    """Return the objects a render wrote for these languages' cards: each card and its language's latest copy."""
    return [key for lang, entry in drawn.items() for key in (entry["key"], latest_key(poll_id, lang))]


def _current(poll: Poll) -> Poll | None:
    """Return the poll's definition as stored now (strongly consistent), or None if it is gone (or was replaced)."""
    try:
        fresh = store().get_poll(poll.id)
    except PollNotFound:
        return None
    return fresh if fresh.incarnation == poll.incarnation else None


def _render_polls(poll_ids: list[str], consistent: bool) -> CardReport:
    """Render the cards of these polls where their content changed."""
    report, now = CardReport(polls=len(poll_ids)), clock.now()
    for poll_id in poll_ids:
        try:
            view = store().read_view(poll_id, consistent=consistent)
        except DomainError as exc:
            if exc.status >= 500:
                raise
            continue  # deleted since: its cards were withdrawn with it
        if view.poll.status_at(now) is Status.SCHEDULED:
            continue  # not public before it opens
        try:
            render(view.poll, view.counts, now, report)
        except DomainError as exc:
            if exc.status >= 500:  # the store cannot answer: fail the batch, so the stream delivers it again
                raise
            _failed(report, poll_id, exc)
        except Exception as exc:  # noqa: BLE001 - one poll's card (S3, a font, a bad text) never stops the others
            _failed(report, poll_id, exc)
    observability.log_event("card_run", **{k: v for k, v in report.as_dict().items() if k != "rendered_polls"})
    observability.flush()
    return report


def _failed(report: CardReport, poll_id: str, exc: Exception) -> None:
    """Log and count a poll whose cards could not be rendered (the next change or refresh tries again)."""
    observability.logger.warning(
        "card render failed", extra={"poll_id": poll_id, "error": f"{type(exc).__name__}: {exc}"}
    )
    report.failed += 1


def render_changed(event: dict[str, Any]) -> CardReport:
    """Render at once the cards of the polls whose definition changed in a batch of the polls table's stream."""
    return _render_polls(defined_polls(event), consistent=True)


def refresh() -> CardReport:
    """Re-render the cards of the active polls (those the snapshot job visits) whose content changed."""
    return _render_polls([item.poll.id for item in store().due_polls()], consistent=False)
