"""The share cards at the edge: drawn by `render_cards` (the polls table's stream: a poll created or changed) and
`refresh_cards` (the schedule: new counts), named by the hosted pages' og:image, redrawn only when they change."""

from __future__ import annotations

import importlib
import io
import json
import re
from typing import Any

import pytest
from PIL import Image

from chalicelib.core.times import to_iso
from chalicelib.runtime import clock
from chalicelib.runtime.clients import client as aws
from chalicelib.runtime.settings import get_settings
from local.streams import stream_batches
from tests.conftest import ADMIN
from tests.helpers import create_poll, folded, new_voter, patch, vote

SITE = "https://polls.example-news.com"
TRANSLATION = {"cy": {"question": "A ddylai'r cyngor adeiladu'r bont?", "options": {"yes": "Dylai", "no": "Na ddylai"}}}
OG_IMAGE = re.compile(r'<meta property="og:image" content="([^"]+)">')


@pytest.fixture
def site(monkeypatch):
    monkeypatch.setenv("SITE_URL", SITE)
    get_settings.cache_clear()


def keys(prefix: str) -> list[str]:
    listing = aws("s3").list_objects_v2(Bucket=get_settings().results_bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def read(key: str) -> dict[str, Any]:
    return aws("s3").get_object(Bucket=get_settings().results_bucket, Key=key)


def json_of(key: str) -> Any:
    return json.loads(read(key)["Body"].read())


def render_changed() -> dict[str, Any]:
    """Deliver what the polls table's stream holds since the last call to render_cards, as Lambda would."""
    from app import render_cards

    folded(publish=False)
    records = [record for event in stream_batches(get_settings().polls_table) for record in event["Records"]]
    return render_cards({"Records": records}, None)


def refresh(client) -> dict[str, Any]:
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=["arn:aws:events:rule/cards"]
    )
    return client.lambda_.invoke("refresh_cards", event).payload


def og_image(page_key: str) -> str:
    page = read(page_key)["Body"].read().decode()
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert '<meta property="og:image:width" content="1200">' in page
    found = OG_IMAGE.search(page)
    assert found is not None, "the page names no og:image"
    return found.group(1)


def card_behind(url: str) -> bytes:
    """Return the PNG an og:image URL names, checked to be a 1200x630 immutable PNG."""
    assert url.startswith(SITE + "/cards/")
    found = read(url.removeprefix(SITE + "/"))
    assert found["ContentType"] == "image/png"
    assert "immutable" in found["CacheControl"]
    data = found["Body"].read()
    assert Image.open(io.BytesIO(data)).size == (1200, 630) and len(data) < 200_000
    return bytes(data)


def test_a_new_poll_gets_a_card_per_language_named_by_its_pages(client, site):
    pid = create_poll(client, options=["Yes", "No"], translations=TRANSLATION)["id"]
    report = render_changed()
    assert (report["rendered"], report["rendered_polls"]) == (2, [pid])
    manifest = json_of(f"private/cards/{pid}.json")
    assert sorted(manifest["cards"]) == ["cy", "en"]
    for lang, page in (("en", f"p/{pid}"), ("cy", f"p/{pid}/cy")):
        url = og_image(page)
        assert url == f"{SITE}/{manifest['cards'][lang]['key']}"
        assert card_behind(url) == read(f"cards/{pid}/{lang}/latest.png")["Body"].read()
        assert read(f"cards/{pid}/{lang}/latest.png")["CacheControl"] == "public, max-age=60"


def test_a_card_changes_after_the_results_do_and_not_while_they_do_not(client, site):
    pid = create_poll(client, options=["Yes", "No"])["id"]
    render_changed()
    first = og_image(f"p/{pid}")
    before = keys(f"cards/{pid}/")
    assert refresh(client)["rendered"] == 0  # nothing changed: nothing drawn, nothing written
    assert keys(f"cards/{pid}/") == before
    assert vote(client, pid, ["yes"], new_voter()).status_code == 201
    assert render_changed()["rendered"] == 0  # a tally's change is not a definition's: counts wait for the schedule
    assert og_image(f"p/{pid}") == first
    report = refresh(client)
    assert (report["rendered"], report["rendered_polls"]) == (1, [pid])
    second = og_image(f"p/{pid}")
    assert second != first and card_behind(second) != card_behind(first)
    assert refresh(client)["rendered"] == 0
    assert og_image(f"p/{pid}") == second


def test_an_editors_change_is_drawn_at_once_and_a_rewrite_keeps_the_card(client, site):
    pid = create_poll(client, options=["Yes", "No"])["id"]
    render_changed()
    first = og_image(f"p/{pid}")
    assert patch(client, pid, question="Build the new bridge now?").status_code == 200
    assert og_image(f"p/{pid}") == first  # the API's rewrite of the page still names the newest card
    assert render_changed()["rendered"] == 1
    assert og_image(f"p/{pid}") != first
    assert json_of(f"private/cards/{pid}.json")["cards"]["en"]["alt"].startswith("Build the new bridge now?")


@pytest.fixture
def frozen(monkeypatch):
    """Pin the clock; returns a setter to move it."""
    now = {"at": float(int(clock.now()))}
    monkeypatch.setattr(clock, "now", lambda: now["at"])
    return lambda seconds: now.__setitem__("at", now["at"] + seconds)


def test_a_poll_closed_by_its_schedule_gets_a_final_card_with_its_results(client, site, frozen):
    pid = create_poll(
        client, options=["Yes", "No"], results_visibility="after_close", closes_at=to_iso(clock.now() + 90)
    )["id"]
    render_changed()
    assert vote(client, pid, ["no"], new_voter()).status_code == 201
    assert refresh(client)["rendered"] == 0  # hidden results: the vote changes nothing on the card
    frozen(120)  # closed by its schedule, its results now public
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=["arn:aws:events:rule/snapshot"]
    )
    assert client.lambda_.invoke("snapshot_results", event).payload["written"] == 1  # its last snapshot: final
    assert render_changed()["rendered_polls"] == [pid]  # leaving the job's list draws its final card at once
    alt = json_of(f"private/cards/{pid}.json")["cards"]["en"]["alt"]
    assert alt.endswith(" — leading: No (100.0%)")


def test_deleting_a_poll_removes_its_cards(client, site):
    pid = create_poll(client, options=["Yes", "No"])["id"]
    render_changed()
    assert keys(f"cards/{pid}/")
    assert client.http.delete(f"/polls/{pid}", headers=ADMIN).status_code == 204
    assert keys(f"cards/{pid}/") == [] and keys(f"private/cards/{pid}") == []


def test_dropping_a_translation_removes_its_cards(client, site):
    pid = create_poll(client, options=["Yes", "No"], translations=TRANSLATION)["id"]
    render_changed()
    assert [k for k in keys(f"cards/{pid}/") if "/cy" in k]
    assert patch(client, pid, translations={}).status_code == 200
    assert [k for k in keys(f"cards/{pid}/") if "/cy" in k] == []
    render_changed()
    assert sorted(json_of(f"private/cards/{pid}.json")["cards"]) == ["en"]


@pytest.mark.parametrize(
    ("card_every", "rate"), [("60", "rate(1 minute)"), ("90", "rate(2 minutes)"), ("1", "rate(1 minute)")]
)
def test_the_card_schedule_follows_card_every_in_whole_minutes(monkeypatch, card_every, rate):
    import app as app_module

    monkeypatch.setenv("CARD_EVERY", card_every)
    get_settings.cache_clear()
    reloaded = importlib.reload(app_module)
    try:
        schedule = next(s for s in reloaded.app.event_sources if s.name == "refresh_cards")
        assert schedule.schedule_expression.to_string() == rate
    finally:
        monkeypatch.delenv("CARD_EVERY")
        get_settings.cache_clear()
        importlib.reload(app_module)


def test_the_api_never_imports_the_imaging_libraries():
    """The API's functions share app.py with the card function: importing it (and serving) loads no Pillow."""
    import subprocess
    import sys

    probe = "import sys, app; sys.exit(sorted(m for m in ('PIL', 'bidi', 'arabic_reshaper') if m in sys.modules) or 0)"
    from tests.conftest import ROOT

    command = [sys.executable, "-c", probe]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def put_manifest(pid: str, document: Any) -> None:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    aws("s3").put_object(Bucket=get_settings().results_bucket, Key=f"private/cards/{pid}.json", Body=body)


MALFORMED = [
    {"cards": ["en"]},
    {"cards": "en"},
    {"cards": {"en": "cards/x/en.png"}},
    {"cards": {"en": {"key": 42, "hash": "0" * 16}}},
    {"cards": {"en": {"key": "elsewhere/en.0000.png", "hash": "0" * 16}}},
    ["cards"],
    b'{"cards": {"en": ',  # cut short: not JSON
]


@pytest.mark.parametrize("manifest", MALFORMED)
def test_a_malformed_manifest_counts_as_no_card_and_breaks_nothing(client, site, frozen, manifest):
    pid = create_poll(client, options=["Yes", "No"], closes_at=to_iso(clock.now() + 90))["id"]
    render_changed()
    put_manifest(pid, manifest)
    assert patch(client, pid, question="Build the new bridge now?").status_code == 200  # no 500 after the save
    assert OG_IMAGE.search(read(f"p/{pid}")["Body"].read().decode()) is None  # no card named: none known
    frozen(120)  # closed by its schedule: the snapshot job rewrites its pages, reading the manifest
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=["arn:aws:events:rule/snapshot"]
    )
    assert client.lambda_.invoke("snapshot_results", event).payload["written"] == 1
    report = render_changed()  # the card function draws the card afresh and repairs the manifest
    assert (report["rendered"], report["failed"]) == (1, 0)
    card_behind(og_image(f"p/{pid}"))
    assert sorted(json_of(f"private/cards/{pid}.json")["cards"]) == ["en"]


def test_one_polls_failure_does_not_stop_the_others_cards(client, site, monkeypatch):
    from chalicelib.services import card_renderer

    first = create_poll(client, options=["Yes", "No"], question="First?")["id"]
    second = create_poll(client, options=["Yes", "No"], question="Second?")["id"]
    drawn = card_renderer.png

    def png(card):
        if "First?" in card.texts("question"):
            raise TypeError("a bad text")
        return drawn(card)

    monkeypatch.setattr(card_renderer, "png", png)
    report = render_changed()
    assert (report["failed"], report["rendered_polls"]) == (1, [second])
    assert keys(f"cards/{first}/") == []


def during_drawing(monkeypatch, action) -> None:
    """Run an action (once) while the card function draws, as an editor's request arriving meanwhile would."""
    from chalicelib.services import card_renderer

    drawn, done = card_renderer.png, []

    def png(card):
        if not done:
            done.append(action())
        return drawn(card)

    monkeypatch.setattr(card_renderer, "png", png)


def test_a_poll_deleted_while_its_cards_are_drawn_stays_deleted(client, site, monkeypatch):
    pid = create_poll(client, options=["Yes", "No"], translations=TRANSLATION)["id"]
    during_drawing(monkeypatch, lambda: client.http.delete(f"/polls/{pid}", headers=ADMIN).status_code)
    render_changed()
    assert keys(f"polls/{pid}") == [] and keys(f"p/{pid}") == []  # nothing written back from the stale poll
    assert keys(f"cards/{pid}/") == [] and keys(f"private/cards/{pid}") == []


def test_a_poll_changed_while_its_cards_are_drawn_keeps_its_change(client, site, monkeypatch):
    pid = create_poll(client, options=["Yes", "No"])["id"]
    during_drawing(monkeypatch, lambda: patch(client, pid, question="Build the new bridge now?").status_code)
    render_changed()
    assert json_of(f"polls/{pid}.json")["question"] == "Build the new bridge now?"
    page = read(f"p/{pid}")["Body"].read().decode()
    assert "<title>Build the new bridge now?" in page  # the page of the new definition (its card: the last drawn)
    og_image(f"p/{pid}")  # still naming a card: the one just drawn, until the change's own is
    monkeypatch.undo()
    assert render_changed()["rendered_polls"] == [pid]  # the change's own card follows on the stream
    assert json_of(f"private/cards/{pid}.json")["cards"]["en"]["alt"] == "Build the new bridge now?"


def test_reopening_an_after_close_poll_deletes_its_cards_with_numbers(client, site):
    pid = create_poll(client, options=["Yes", "No"], results_visibility="after_close", translations=TRANSLATION)["id"]
    render_changed()
    hidden = {lang: json_of(f"private/cards/{pid}.json")["cards"][lang]["key"] for lang in ("en", "cy")}
    assert vote(client, pid, ["no"], new_voter()).status_code == 201
    folded()
    assert patch(client, pid, status="closed").status_code == 200
    render_changed()  # closed: the results are public, the card shows them
    numbered = json_of(f"private/cards/{pid}.json")["cards"]["en"]
    assert numbered["alt"].endswith("(100.0%)")
    assert patch(client, pid, status="open").status_code == 200  # reopened: hidden again
    assert render_changed()["rendered_polls"] == [pid]
    manifest = json_of(f"private/cards/{pid}.json")["cards"]
    for lang in ("en", "cy"):
        assert keys(f"cards/{pid}/{lang}.") == [manifest[lang]["key"]]  # only the hidden card is left
        assert manifest[lang]["key"] == hidden[lang] and "%" not in manifest[lang]["alt"]
    assert keys(f"cards/{pid}/en/") == [f"cards/{pid}/en/latest.png"]
    assert read(f"cards/{pid}/en/latest.png")["Body"].read() == read(hidden["en"])["Body"].read()


def test_changing_a_polls_own_language_removes_the_old_languages_cards(client, site):
    pid = create_poll(client, options=["Yes", "No"])["id"]
    render_changed()
    assert keys(f"cards/{pid}/en.")
    assert patch(client, pid, lang="fr").status_code == 200
    assert keys(f"cards/{pid}/en") == []  # en.<hash>.png and en/latest.png
    assert "en" not in json_of(f"private/cards/{pid}.json")["cards"]
    render_changed()
    assert sorted(json_of(f"private/cards/{pid}.json")["cards"]) == ["fr"]
    card_behind(og_image(f"p/{pid}"))


def test_a_translation_that_becomes_the_own_language_keeps_its_cards(client, site):
    pid = create_poll(client, options=["Yes", "No"], translations=TRANSLATION)["id"]
    render_changed()
    welsh = json_of(f"private/cards/{pid}.json")["cards"]["cy"]["key"]
    assert patch(client, pid, lang="cy", translations={}).status_code == 200
    assert keys(f"p/{pid}/cy") == [] and keys(f"cards/{pid}/en") == []
    assert keys(f"cards/{pid}/cy.") == [welsh]
    manifest = json_of(f"private/cards/{pid}.json")["cards"]
    assert list(manifest) == ["cy"] and manifest["cy"]["key"] == welsh
    assert og_image(f"p/{pid}") == f"{SITE}/{welsh}"  # the page names a card that exists
    card_behind(og_image(f"p/{pid}"))
