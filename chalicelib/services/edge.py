"""The edge documents the CDN serves from the bucket: each poll's document, its latest results and its hosted pages.

  polls/<id>.json              the poll's public document (everything the widget needs to render the form)
  results/<id>/latest.json     the results while they are public (else under private/results/, never served)
  results/<id>/latest.csv      the same as CSV
  p/<id>, p/<id>/<lang>        the hosted poll page, in the poll's language and in each translation
  r/<id>, r/<id>/<lang>        the static results page (the results while public, else when they will be shown)
  cards/<id>/...               the share cards (services/cards.py draws them; private/cards/<id>.json lists them)

Written when a poll is created or changed, by the snapshot job, and (results and their pages) by the polls table's
stream consumer when the fold changes a poll's tallies, so a vote reaches the edge within seconds at a cost that follows
votes, not readers.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from chalicelib.core import caching, pages, quiz
from chalicelib.core.counts import Counts, Tally, results_csv, results_document
from chalicelib.core.errors import DomainError
from chalicelib.core.pages import CardRef
from chalicelib.core.poll import Poll, Status
from chalicelib.core.times import to_iso
from chalicelib.core.visibility import is_public
from chalicelib.runtime import clock, observability
from chalicelib.runtime.settings import get_settings
from chalicelib.store.adapters import archive, store, tallied_polls
from chalicelib.store.port import ArchiveError, UnreadableObject

PUBLIC_PREFIX = "results"
PRIVATE_PREFIX = "private/results"
POLL_PREFIX = "polls"
PAGE_PREFIX = "p"
CARD_PREFIX = "cards"
CARD_MANIFEST_PREFIX = "private/cards"
RESULTS_PAGE_PREFIX = "r"
JSON_TYPE = "application/json; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


@dataclass
class StreamReport:
    """What one batch of the polls table's stream did."""

    records: int = 0
    changed_polls: list[str] = field(default_factory=list)
    written: int = 0
    skipped: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return asdict(self)


def json_bytes(document: Any) -> bytes:
    """Encode a document as compact UTF-8 JSON."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def prefix_for(poll: Poll, now: float) -> str:
    """Return the key prefix of a poll's results: public while anyone may see them, else private."""
    return f"{PUBLIC_PREFIX if is_public(poll, now) else PRIVATE_PREFIX}/{poll.id}"


def latest_cache(public: bool) -> str:
    """Return the Cache-Control of a latest results object."""
    return caching.public(get_settings().snapshot_max_age) if public else caching.NO_STORE


def poll_document(poll: Poll, now: float) -> dict[str, Any]:
    """Return a poll's public document: the API's public body in its own language, with every translation."""
    answer = quiz.answer_public(poll, now)  # a quiz's answer only once it closed
    return {**quiz.public_dict(poll, now), "translations": poll.translations_dict(answer), "published_at": to_iso(now)}


def results_body(poll: Poll, counts: Counts, now: float) -> dict[str, Any]:
    """Return the results document of the snapshots and the edge: with every translation and its time."""
    body = results_document(Tally(poll=poll, counts=counts, as_of=now), now)
    body["translations"] = poll.translations_dict(quiz.answer_public(poll, now))
    body["snapshot_at"] = to_iso(now)
    return body


def write_latest(poll: Poll, counts: Counts, now: float, withdraw: bool = True) -> dict[str, Any]:
    """Write a poll's latest results where its visibility puts them; `withdraw`: also remove a stale public copy.

    The stream passes False: votes alone never make public results hidden, so it spends no delete on them.
    """
    body = results_body(poll, counts, now)
    public = is_public(poll, now)
    prefix = prefix_for(poll, now)
    archive().put(f"{prefix}/latest.json", json_bytes(body), JSON_TYPE, latest_cache(public))
    archive().put(f"{prefix}/latest.csv", results_csv(body, poll.disclaimer_in(None)), CSV_TYPE, latest_cache(public))
    if public or withdraw:  # a hidden poll's page says when its results will be shown: votes do not change that
        write_results_pages(poll, counts, now)
    if withdraw and not public:  # hidden again (an after_close poll reopened): the edge must stop serving them
        archive().delete(public_keys(poll.id))
    return body


def public_keys(poll_id: str) -> list[str]:
    """Return every public results object of a poll: latest JSON and CSV, and its history."""
    latest = [f"{PUBLIC_PREFIX}/{poll_id}/latest.json", f"{PUBLIC_PREFIX}/{poll_id}/latest.csv"]
    return latest + archive().list_keys(f"{PUBLIC_PREFIX}/{poll_id}/history/")


def _page_keys(poll: Poll, prefix: str = PAGE_PREFIX) -> dict[str | None, str]:
    """Return the hosted (or results) pages' keys: the poll's own language (None) and one per translation."""
    return {None: f"{prefix}/{poll.id}", **{tag: f"{prefix}/{poll.id}/{tag}" for tag in poll.translations}}


def card_manifest_key(poll_id: str) -> str:
    """Return the key of a poll's card manifest (which card is the newest in each language)."""
    return f"{CARD_MANIFEST_PREFIX}/{poll_id}.json"


def card_manifest(poll_id: str) -> dict[str, dict[str, str]]:
    """Return a poll's card manifest entries by language, read defensively: anything malformed counts as absent.

    Only an entry that is an object whose `key` is a string under `cards/<id>/` is kept (its `hash` and `alt` as
    text), so a manifest that is not JSON, hand-edited or half-written means "no card yet", never an error.
    """
    try:
        return _entries(poll_id, archive().get_json(card_manifest_key(poll_id)))
    except UnreadableObject:
        return {}


def _entries(poll_id: str, manifest: Any) -> dict[str, dict[str, str]]:
    """Return the well-formed entries of a card manifest's content, by language (card_manifest's rule)."""
    found = manifest.get("cards") if isinstance(manifest, dict) else None
    if not isinstance(found, dict):
        return {}
    prefix = f"{CARD_PREFIX}/{poll_id}/"
    return {
        lang: {"key": entry["key"], "hash": str(entry.get("hash") or ""), "alt": str(entry.get("alt") or "")}
        for lang, entry in found.items()
        if isinstance(lang, str)
        and isinstance(entry, dict)
        and isinstance(entry.get("key"), str)
        and entry["key"].startswith(prefix)
    }


def card_refs(poll_id: str) -> dict[str, CardRef]:
    """Return a poll's newest cards by language, from its manifest (none yet, or a malformed one: empty)."""
    return refs_of(card_manifest(poll_id))


def refs_of(entries: dict[str, dict[str, str]]) -> dict[str, CardRef]:
    """Return the pages' references to cards, from manifest entries by language."""
    return {lang: CardRef(path="/" + card["key"], alt=card["alt"]) for lang, card in entries.items()}


def write_poll(poll: Poll, now: float, cards: dict[str, CardRef] | None = None) -> None:
    """Write a poll's document and its hosted pages (each naming its language's card, when `cards` has one)."""
    write_document(poll, now)
    write_pages(poll, now, cards)


def write_document(poll: Poll, now: float) -> None:
    """Write a poll's public document (polls/<id>.json)."""
    cache = caching.public(get_settings().poll_max_age)
    archive().put(f"{POLL_PREFIX}/{poll.id}.json", json_bytes(poll_document(poll, now)), JSON_TYPE, cache)


def write_pages(poll: Poll, now: float, cards: dict[str, CardRef] | None = None) -> None:
    """Write a poll's hosted pages, in its own language and each translation (each naming its card, where known)."""
    settings = get_settings()
    cache = caching.public(settings.poll_max_age)
    brand = {"name": settings.site_name, "accent": settings.accent_colour}
    for lang, key in _page_keys(poll).items():
        card = (cards or {}).get(lang or poll.lang)
        page = pages.poll_page(poll, now, lang, settings.site_url, card, **brand)
        archive().put(key, page.encode("utf-8"), HTML_TYPE, cache)


def write_results_pages(poll: Poll, counts: Counts | None, now: float) -> None:
    """Write a poll's static results pages: its results while they are public (cached like them), else a notice."""
    settings = get_settings()
    public = counts is not None and is_public(poll, now)
    brand = {"name": settings.site_name, "accent": settings.accent_colour}
    for lang, key in _page_keys(poll, RESULTS_PAGE_PREFIX).items():
        shown = results_document(Tally(poll=poll, counts=counts, as_of=now), now, lang) if counts and public else None
        page = pages.results_page(poll, shown, now, lang, **brand)
        archive().put(key, page.encode("utf-8"), HTML_TYPE, latest_cache(public))


def publish(poll: Poll, counts: Counts | None = None) -> bool:
    """Publish a created or changed poll to the edge (its document, pages and results); False if that failed.

    A failure is logged and counted, not raised: the poll is saved, readers fall back to the API until the
    snapshot job publishes it again.
    """
    now = clock.now()
    try:
        write_poll(poll, now, card_refs(poll.id))  # one GET: a rewrite keeps naming the newest cards
        if poll.status_at(now) is Status.SCHEDULED:
            write_results_pages(poll, None, now)  # says when it opens
            return True  # no results before it opens: the snapshot job writes them once it has
        if counts is None:
            counts = store().read_view(poll.id, consistent=True).counts
        write_latest(poll, counts, now)
        return True
    except (ArchiveError, DomainError) as exc:  # S3, or the counts' read (a throttle): the change itself stands
        observability.logger.warning("edge publish failed", extra={"poll_id": poll.id, "error": str(exc)})
        observability.count(observability.EDGE_PUBLISH_FAILED)
        return False


def withdraw(poll: Poll) -> None:
    """Remove a deleted poll's edge documents, pages, cards and public results with their history (private copies
    stay for the record until the bucket's lifecycle, unreachable through the site)."""
    keys = [
        f"{POLL_PREFIX}/{poll.id}.json",
        *_page_keys(poll).values(),
        *_page_keys(poll, RESULTS_PAGE_PREFIX).values(),
        card_manifest_key(poll.id),
    ]
    keys += [f"{PRIVATE_PREFIX}/{poll.id}/latest.{kind}" for kind in ("json", "csv")]
    try:
        keys += archive().list_keys(f"{CARD_PREFIX}/{poll.id}/")
        archive().delete(keys + public_keys(poll.id))
    except ArchiveError as exc:
        observability.logger.warning("edge withdraw failed", extra={"poll_id": poll.id, "error": str(exc)})
        observability.count(observability.EDGE_PUBLISH_FAILED)


def drop_pages(poll_id: str, tags: set[str], languages: set[str]) -> None:
    """Remove what a changed poll no longer has: the hosted and results pages of translations it dropped (`tags`),
    and the share cards of languages it is no longer read in (`languages`), out of its manifest too.

    The two differ when the poll's own language changes: a translation that becomes the poll's own language loses
    its page (its text moves to p/<id>) but keeps its cards; the old own language loses its cards.
    """
    try:
        prefixes = (PAGE_PREFIX, RESULTS_PAGE_PREFIX)
        keys = [f"{prefix}/{poll_id}/{tag}" for tag in sorted(tags) for prefix in prefixes]
        for lang in sorted(languages):  # cards/<id>/<lang>.<hash>.png and cards/<id>/<lang>/latest.png
            keys += archive().list_keys(f"{CARD_PREFIX}/{poll_id}/{lang}.")
            keys += archive().list_keys(f"{CARD_PREFIX}/{poll_id}/{lang}/")
        if languages:
            _forget_cards(poll_id, languages)  # first: a manifest never names a deleted card
        archive().delete(keys)
    except ArchiveError as exc:
        observability.logger.warning("edge withdraw failed", extra={"poll_id": poll_id, "error": str(exc)})
        observability.count(observability.EDGE_PUBLISH_FAILED)


def _forget_cards(poll_id: str, languages: set[str]) -> None:
    """Remove languages from a poll's card manifest (the next card run draws what the poll has now)."""
    try:
        manifest = archive().get_json(card_manifest_key(poll_id))
    except UnreadableObject:
        manifest = None  # not JSON: it names no card, and the next card run writes it afresh
    entries = _entries(poll_id, manifest)
    if not set(entries) & languages:
        return
    kept = {lang: entry for lang, entry in entries.items() if lang not in languages}
    document = {**(manifest if isinstance(manifest, dict) else {}), "cards": kept}
    archive().put(card_manifest_key(poll_id), json_bytes(document), JSON_TYPE, caching.NO_STORE)


def publish_changed(event: dict[str, Any]) -> StreamReport:
    """Publish the results of the polls whose tallies changed in a batch of the polls table's stream.

    For each: its definition and every tally, read afresh (one strongly consistent Query: not the process cache, so
    a change made seconds ago is what the batch follows), summed into the summary item the API's results read, and
    written to the edge (latest JSON and CSV, and the results pages). Safe to repeat (a redelivered batch writes the
    same counts); polls whose results are not public get their private copy only (and pages saying when they will be
    shown). A store that cannot answer fails the batch, and Lambda retries it.
    """
    records = event.get("Records", [])
    report = StreamReport(records=len(records) if isinstance(records, list) else 0)
    report.changed_polls = tallied_polls(event)
    now = clock.now()
    for poll_id in report.changed_polls:
        try:
            view = store().read_view(poll_id, consistent=True)
        except DomainError as exc:
            if exc.status >= 500:
                raise
            report.skipped += 1  # deleted since: nothing to publish
            continue
        store().publish_summary(view.poll, view.counts, now)  # what the API's results read (one small item)
        try:
            write_latest(view.poll, view.counts, now, withdraw=False)
            report.written += 1
        except ArchiveError as exc:
            observability.logger.warning("stream publish failed", extra={"poll_id": poll_id, "error": str(exc)})
            report.failed += 1
    observability.count(observability.EDGE_RESULTS_WRITTEN, report.written)
    observability.log_event("stream_batch", **{k: v for k, v in report.as_dict().items() if k != "changed_polls"})
    observability.flush()
    return report
