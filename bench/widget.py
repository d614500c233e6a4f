"""Benchmark 7: the widget's gzipped size, and the requests it makes to first render and to a vote."""

from __future__ import annotations

import gzip
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.harness import Section, local_stack
from local.stack import DEMO_POLL, ROOT

WIDGET = "web/poll-widget.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

# What the code does (web/poll-widget.js `start`, `showResults`, `vote`), for when no browser can measure it.
READ_FROM_CODE = {
    "first render, new reader (the vote form)": "0 (the poll's document from the site: <site>/polls/{id}.json)",
    "first render, returning voter (results)": "1: GET /polls/{id}/results?voter= (the poll's document from the site)",
    "a vote (through to the results)": (
        "1: POST /polls/{id}/votes (text/plain, no preflight; the 201 has the results), "
        "+1 GET /polls/{id}/challenge on a proof_of_work poll"
    ),
}


def widget_source() -> tuple[bytes | None, str]:
    """The widget's code and where it came from: this tree, then main, then the widget branch."""
    path = ROOT / WIDGET
    if path.exists():
        return path.read_bytes(), WIDGET
    for ref in ("main", "widget"):
        shown = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{ref}:{WIDGET}"], capture_output=True, check=False, timeout=30
        )
        if shown.returncode == 0:
            return shown.stdout, f"`git show {ref}:{WIDGET}`"
    return None, "not available"


def _browser_available() -> str | None:
    """None when Playwright and Chromium can run; otherwise why not."""
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


@contextmanager
def serve_page(files: dict[str, tuple[bytes, str]]) -> Iterator[str]:
    """Serve a few in-memory files over HTTP on 127.0.0.1 (a host page on its own origin); yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server hook's name
            body, kind = files.get(self.path, (b"not found", "text/plain"))
            self.send_response(200 if self.path in files else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def measure_in_browser(source: bytes) -> dict[str, dict[str, Any]]:
    """Load the widget in Chromium against the local stack and count its API requests per step."""
    from playwright.sync_api import sync_playwright

    poll_id = DEMO_POLL["id"]
    with local_stack("bench-widget-admin-token") as stack:
        page_html = (
            f'<!doctype html><html lang="en"><title>Article</title><p>An article.</p>'
            f'<div data-poll-id="{poll_id}" data-site="{stack.web_url}"></div>'
            '<script src="/poll-widget.js" defer></script></html>'
        ).encode()
        files = {"/article": (page_html, "text/html"), "/poll-widget.js": (source, "text/javascript")}
        api = f"{stack.web_url}/api"  # the site's API paths, passed to `chalice local`
        solver = ROOT / "web" / "pow-worker.js"  # the proof of work's worker, loaded beside the widget
        if solver.exists():
            files["/pow-worker.js"] = (solver.read_bytes(), "text/javascript")
        for vendored in (ROOT / "web" / "vendor").glob("*.js"):  # what the worker imports for a scrypt proof
            files[f"/vendor/{vendored.name}"] = (vendored.read_bytes(), "text/javascript")
        with serve_page(files) as host, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context()
            seen: list[str] = []
            context.on(
                "request",
                lambda request: (
                    seen.append(f"{request.method} {request.url[len(api) :].split('=')[0]}")
                    if request.url.startswith(api)
                    else None
                ),
            )
            page = context.new_page()
            steps: dict[str, dict[str, Any]] = {}

            def step(name: str, action: Any) -> None:
                seen.clear()
                action()
                page.wait_for_load_state("networkidle")
                steps[name] = {"count": len(seen), "requests": list(seen)}

            step(
                "first render, new reader (the vote form)",
                lambda: (page.goto(f"{host}/article"), page.get_by_role("button", name="Vote").wait_for()),
            )

            def cast() -> None:
                page.get_by_role("radio").first.check()
                page.get_by_role("button", name="Vote").click()
                page.get_by_text("your vote has been counted").wait_for()

            step("a vote (through to the results)", cast)
            step(
                "first render, returning voter (results)",
                lambda: (page.reload(), page.get_by_text("already voted").wait_for()),
            )
            browser.close()
    return steps


def _companions() -> list[list[str]]:
    """Rows for the files loaded beside the widget: the proof of work's worker and the locale files."""
    web = ROOT / "web"
    rows = []
    solver = web / "pow-worker.js"
    if solver.exists():
        size = len(gzip.compress(solver.read_bytes(), compresslevel=9))
        rows.append(["pow-worker.js gzipped (loaded on a proof-of-work poll)", f"{size:,} bytes"])
    for vendored in sorted(web.glob("vendor/*.js")):
        size = len(gzip.compress(vendored.read_bytes(), compresslevel=9))
        rows.append([f"vendor/{vendored.name} gzipped (imported by the worker for a scrypt proof)", f"{size:,} bytes"])
    locales = {path.stem: len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in web.glob("locales/*.js")}
    if locales:
        sizes = ", ".join(f"{lang} {size:,}" for lang, size in sorted(locales.items()))
        rows.append([f"locales/<lang>.js gzipped (loaded by that language's readers), {len(locales)} files", sizes])
    return rows


def run(quick: bool = False) -> list[Section]:
    """Run benchmark 7 (the browser part only without --quick)."""
    section = Section("7. Widget")
    source, origin = widget_source()
    if source is None:
        section.table(["figure", "value"], [["web/poll-widget.js", "not available"]])
        section.data = {"available": False}
        return [section]
    gzipped = len(gzip.compress(source, compresslevel=9))
    rows = [
        ["source", origin],
        ["size", f"{len(source):,} bytes"],
        ["gzipped (level 9)", f"{gzipped:,} bytes ({gzipped / 1024:.1f} KB)"],
    ]
    rows += _companions()
    why_not = "skipped in --quick" if quick else _browser_available()
    steps: dict[str, dict[str, Any]] = {}
    if why_not is None:
        try:
            steps = measure_in_browser(source)
        except Exception as exc:  # noqa: BLE001 - fall back to the code's own flow, and say why
            why_not = f"the browser run failed: {type(exc).__name__}: {str(exc)[:200]}"
    if steps:
        for name, figures in steps.items():
            rows.append([f"requests: {name}", f"{figures['count']}: {', '.join(figures['requests'])}"])
        section.notes.append(
            "Requests measured in headless Chromium (/usr/bin/chromium through Playwright) against the local stack "
            "(moto + `chalice local`), counting every request the page sent to the API (the site's `/api/*`, passed "
            "to `chalice local`); the widget reads the poll and public results from the site (`data-site`); the "
            "host page and the script come from another local origin (cross-origin, as on a news site). Fresh "
            "browser context; the demo poll asks a proof of work, so a vote is the challenge and the vote. "
            "The widget sends only CORS-simple requests (GET, and POST as text/plain), so no preflight is needed."
        )
    else:
        for name, flow in READ_FROM_CODE.items():
            rows.append([f"requests: {name}", flow])
        section.notes.append(f"Requests read from the widget's code, not measured ({why_not}).")
    section.table(["figure", "value"], rows)
    section.data = {"available": True, "gzipped": gzipped, "bytes": len(source), "steps": steps}
    return [section]
