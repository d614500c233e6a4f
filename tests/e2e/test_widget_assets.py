"""The widget without a browser: its size and locale files; the local site and demo origins, and snapshots."""

from __future__ import annotations

import gzip
import socket
import time
from pathlib import Path

import pytest
import requests
import yaml

from chalicelib.core.disclaimers import DEFAULTS
from infra.site_files import embed_snippet, integrity, manifest
from local.run import banner
from local.stack import DEMO_POLL, LocalStack
from tests.proofs import solve
from tests.widget_texts import (
    LANGUAGES,
    LOCALES,
    SHOWN_FOR_CODE,
    WEB,
    disclaimer,
    english,
    forms,
    locale,
    placeholders,
)

WIDGET = WEB / "poll-widget.js"
# The core: what every reader loads. 6.5 KB since the widget reads the edge first (issue 12: the poll's document in
# the reader's language, public results from the site, their calm refresh; about 560 bytes of the 6 KB it had); 7 KB
# since issue 22 (styles through a constructable sheet for strict CSPs, data-view="results", the disclaimer: about
# 350 bytes); 8 KB since issue 23 (a quiz's answer after the vote, about 410 bytes; write-ins, about 280).
GZIP_BUDGET = 8 * 1024
LOCALE_BUDGET = 2 * 1024 + 256  # a language's texts, loaded only by its readers (2 KB before issue 23)
SOLVER_BUDGET = 1024  # the proof of work's worker, loaded while a reader chooses on a protected poll
SCRYPT_BUDGET = 12 * 1024  # hash-wasm's scrypt (its wasm inside), imported by the worker on a scrypt poll only
SCRYPT = "vendor/hash-wasm-scrypt.umd.min.js"
PLURAL_CATEGORIES = {"zero", "one", "two", "few", "many", "other"}
SAME_AS_ENGLISH = {("fr", "{x} ({n} vote)"), ("fr", "{x} ({n} votes)")}  # French says "vote" too
SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"
WIDGET_OPERATIONS = {"getPoll", "getChallenge", "castVote", "getResults"}


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def test_the_widget_stays_within_its_gzip_budget():
    size = gzipped(WIDGET)
    assert size <= GZIP_BUDGET, f"poll-widget.js is {size} bytes gzipped, over the {GZIP_BUDGET} byte budget"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_locale_file_is_at_most_2_25_kb_gzipped(lang):
    assert gzipped(LOCALES / f"{lang}.js") <= LOCALE_BUDGET


def test_the_proof_of_work_worker_is_at_most_1_kb_gzipped():
    assert gzipped(WEB / "pow-worker.js") <= SOLVER_BUDGET


def test_the_vendored_scrypt_is_at_most_12_kb_gzipped_and_matches_the_integrity_its_readme_records():
    assert gzipped(WEB / SCRYPT) <= SCRYPT_BUDGET
    readme = (WEB / "vendor" / "README.md").read_text()
    assert f"`{integrity((WEB / SCRYPT).read_bytes())}`" in readme
    assert (WEB / "vendor" / "hash-wasm.LICENSE").read_text().startswith("MIT License")


def test_the_worker_imports_scrypt_only_for_a_scrypt_challenge():
    worker = (WEB / "pow-worker.js").read_text()
    assert worker.count("importScripts(") == 1
    assert 'if (p.algorithm == "SCRYPT") {\n    importScripts(' in worker


def test_there_is_a_locale_file_for_each_language_the_widget_offers_and_no_other():
    offered = WIDGET.read_text().split('const LOCALES = "')[1].split('"')[0].split()
    assert sorted(offered) == sorted(LANGUAGES) == sorted(path.stem for path in LOCALES.glob("*.js"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_locale_file_translates_every_english_text_and_nothing_else(lang):
    assert sorted(locale(lang)) == sorted(english())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_locale_keeps_the_placeholders_and_has_a_form_per_plural_category(lang):
    for key, translated in locale(lang).items():
        source = english()[key]
        if isinstance(source, dict):  # plurals: any categories of CLDR's six, always "other"; {n} may be spelt out
            assert isinstance(translated, dict) and "other" in translated and set(translated) <= PLURAL_CATEGORIES
            for form in translated.values():
                assert placeholders(form) - {"{n}"} == placeholders(key) - {"{n}"}, (key, form)
        else:
            assert isinstance(translated, str) and placeholders(translated) == placeholders(key), (key, translated)
        same = {form for form in forms(translated) if form in forms(source)}
        assert all(form.strip() for form in forms(translated)) and same <= {
            f for lg, f in SAME_AS_ENGLISH if lg == lang
        }


@pytest.mark.parametrize("lang", ["en", *LANGUAGES])
def test_each_locale_carries_the_servers_default_disclaimer_exactly(lang):
    found = disclaimer() if lang == "en" else locale(lang)["disclaimer"]
    assert found == DEFAULTS[lang]  # the pages, cards and CSV say the same (chalicelib/core/disclaimers.py)


def widget_error_codes() -> set[str]:
    """Return the error codes openapi.yaml documents for the requests the widget makes."""
    spec = yaml.safe_load(SPEC.read_text())
    codes: set[str] = set()

    def collect(node: object) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                target: object = spec
                for part in node["$ref"].lstrip("#/").split("/"):
                    target = target[part]  # type: ignore[index]
                collect(target)
            code = node.get("code") if isinstance(node.get("code"), dict) else None
            if (
                code
                and "enum" in code
                and node is not spec["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
            ):
                codes.update(code["enum"])
            for key, value in node.items():
                if key != "$ref":
                    collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for item in spec["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") in WIDGET_OPERATIONS:
                collect(operation["responses"])
    return codes


def test_every_error_code_the_widget_can_meet_has_a_message_in_every_language():
    # Only a wrong admin token gets `unauthorized`, only a Private Access Token `private_token_invalid`: the widget
    # sends neither.
    codes = widget_error_codes() - {"unauthorized", "private_token_invalid"}
    assert {"challenge_required", "challenge_failed", "challenge_used", "address_limit_reached"} <= codes
    assert codes == set(SHOWN_FOR_CODE)
    for code, text in SHOWN_FOR_CODE.items():
        assert text in english(), code
        for lang in LANGUAGES:
            assert text in locale(lang), (code, lang)


STACK = {"admin_token": "web-test-token", "snapshot_every": 1}


@pytest.mark.parametrize("name", ["poll-widget.js", "pow-worker.js", SCRYPT, "locales/cy.js", "locales/ar.js"])
def test_the_site_serves_the_widget_script_its_worker_and_its_locales_from_the_bucket(stack, name):
    response = requests.get(f"{stack.web_url}/widget/{name}", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.content == (WEB / name).read_bytes()


def test_the_site_serves_the_content_named_widget_immutable_and_its_manifest_names_it(stack):
    found = requests.get(f"{stack.web_url}/widget/manifest.json", timeout=10).json()
    assert found == manifest()
    response = requests.get(f"{stack.web_url}/{found['widget']}", timeout=10)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # the snippet loads it with crossorigin
    assert integrity(response.content) == found["integrity"]


def test_the_site_answers_a_conditional_request_for_an_unchanged_object_with_304(stack):
    first = requests.get(f"{stack.web_url}/polls/{DEMO_POLL['id']}.json", timeout=10)
    assert first.status_code == 200 and first.headers["Cache-Control"].startswith("public, max-age=")
    again = requests.get(first.url, headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", first.headers["ETag"])
    changed = requests.get(first.url, headers={"If-None-Match": '"something-else"'}, timeout=10)
    assert changed.status_code == 200 and changed.content == first.content


def test_the_preview_page_is_in_the_language_it_is_asked_for(stack):
    page = requests.get(f"{stack.web_url}/embed", params={"poll": "a-poll", "lang": "cy"}, timeout=10).text
    assert '<html lang="cy">' in page
    assert '<html lang="en">' in requests.get(f"{stack.web_url}/embed", params={"poll": "a-poll"}, timeout=10).text


def test_the_demo_article_on_its_own_origin_embeds_the_demo_poll_from_the_site_with_its_integrity(stack):
    response = requests.get(stack.demo_url, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert stack.demo_url != f"{stack.web_url}/"
    assert embed_snippet(stack.web_url, manifest(), DEMO_POLL["id"]) in response.text
    assert "data-api" not in response.text
    assert requests.get(f"{stack.demo_url}widget/poll-widget.js", timeout=10).status_code == 404


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/private/results/junior-doctors-mediation/latest.json", 403),
        ("/private/results/index.json", 403),
        ("/app.py", 403),
        ("/.env", 403),
        ("/widget/../private/results/index.json", 403),
        ("/widget/missing.js", 404),
        ("/widget/locales/xx.js", 404),
        ("/polls/no-such-poll.json", 404),
    ],
)
def test_the_site_serves_only_the_buckets_public_prefixes(stack, path, status):
    assert requests.get(f"{stack.web_url}{path}", timeout=10).status_code == status


def _latest_snapshot(stack: LocalStack) -> dict | None:
    return stack.read_snapshot(f"results/{DEMO_POLL['id']}/latest.json")


def test_the_snapshot_timer_writes_the_demo_polls_latest_results_to_the_bucket(stack):
    challenge = requests.get(f"{stack.api_url}/polls/{DEMO_POLL['id']}/challenge", timeout=10).json()
    vote = requests.post(
        f"{stack.api_url}/polls/{DEMO_POLL['id']}/votes",
        json={"options": ["no"], "voter": "snapshot-timer-voter", "proof": solve(challenge)},
        timeout=10,
    )
    assert vote.status_code == 201
    counted = vote.json()["results"]["total_voters"]
    deadline = time.monotonic() + 30  # the fold, then the timer, on a busy machine
    latest = _latest_snapshot(stack)
    while (latest is None or latest["total_voters"] < counted) and time.monotonic() < deadline:
        time.sleep(0.3)
        latest = _latest_snapshot(stack)
    assert latest is not None, "no results/junior-doctors-mediation/latest.json in the bucket"
    assert latest["total_voters"] == counted  # written by a run after the vote: the timer repeats
    assert latest["poll_id"] == DEMO_POLL["id"] and "snapshot_at" in latest


def test_stopping_the_stack_stops_the_web_server_and_the_snapshot_timer(make_stack):
    stack = make_stack(admin_token="t-stop", snapshot_every=0.2)
    with stack:
        web_url = stack.web_url
        assert requests.get(f"{web_url}/widget/poll-widget.js", timeout=10).status_code == 200
        threads = list(stack._threads)
    assert not any(thread.is_alive() for thread in threads)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{web_url}/widget/poll-widget.js", timeout=2)


def test_make_runs_banner_says_where_the_site_the_demo_page_and_the_snapshots_are(stack):
    text = banner(stack)
    assert stack.demo_url in text and f"{stack.web_url}/p/{DEMO_POLL['id']}" in text
    assert f'data-site="{stack.web_url}"' in text and manifest()["integrity"] in text
    assert f"{stack.web_url}/console/" in text
    assert f"{stack.endpoint}/{stack.results_bucket}/results/{DEMO_POLL['id']}/latest.json" in text
    assert "every 1 s" in text and stack.admin_token in text


def test_the_preview_page_embeds_the_polls_it_is_asked_for_escaped(stack):
    response = requests.get(f"{stack.web_url}/embed", params={"poll": ["a-poll", '"><script>x()</script>']}, timeout=10)
    assert response.status_code == 200
    assert f'<div data-poll-id="a-poll" data-site="{stack.web_url}"></div>' in response.text
    assert "<script>x()" not in response.text and "&quot;&gt;&lt;script&gt;" in response.text


def test_a_busy_web_port_fails_the_start_and_leaves_nothing_running(make_stack):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        stack = make_stack(admin_token="t", web_port=taken.getsockname()[1])
        with pytest.raises(OSError):
            stack.start()
    assert stack._chalice is None and stack._moto is None
    for free in (stack.port, stack.aws_port):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", free))  # nothing listens there
