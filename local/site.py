"""`make run`'s two web origins: the site (CloudFront's stand-in) and the demo article (a newsroom's page).

The site serves what a deployment's distribution serves, from the same places:
  /api/*        passed to `chalice local` with `/api` stripped, with the headers the distribution forwards, the
                origin's X-Origin-Verify (the stack's EDGE_KEY) and CloudFront-Viewer-Address (the browser's TCP peer)
  /<key>        objects of the local stage's bucket on the embedded endpoint, with their Content-Type,
                Cache-Control and ETag (304 for If-None-Match); only the public prefixes, never `private/`
  /embed        a preview page embedding `?poll=ID` (repeatable) from the site, for editors and tests; `?quiz=ID`
                a quiz, through web/quiz.js
Every request passed to the API is logged (`ApiLog`), so tests count what reaches Lambda's stand-in.
"""

from __future__ import annotations

import html
import http.client
import ipaddress
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from infra.site_files import TYPES, WEB, embed_snippet, manifest
from local.console import CSP

# What the bucket policy lets the site read.
PUBLIC_PREFIXES = ("polls/", "results/", "p/", "r/", "widget/", "console/", "cards/")
FORWARDED = ("Authorization", "Content-Type", "Origin", "Referer")  # the API behaviour's origin request policy
VOTER_COOKIE = "poll_voter"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "server", "date", "content-length"}
HTML = TYPES[".html"]
TEXT = "text/plain; charset=utf-8"
EMBED_MARK = "<!-- poll embed -->"
DEMO_STYLE = re.compile(r"<style>\n(.*?)</style>\n", re.S)  # the demo article's own styles, inline
# What a strict newsroom page sends (the demo origin's `/strict`): no inline styles, scripts only from the site, and
# WebAssembly (the scrypt proof of work's solver compiles hash-wasm's module in its worker).
ARTICLE_CSP = (
    "default-src 'none'; script-src {site} 'wasm-unsafe-eval'; style-src 'self'; connect-src {site}; "
    "worker-src blob:; base-uri 'none'; form-action 'none'"
)


@dataclass
class ApiLog:
    """The requests the site passed to the API: (method, path with query, the browser's address)."""

    entries: list[tuple[str, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, path: str, address: str) -> None:
        """Record one request."""
        with self.lock:
            self.entries.append((method, path, address))

    def matching(self, text: str) -> list[tuple[str, str, str]]:
        """Return the requests whose path contains `text`."""
        with self.lock:
            return [entry for entry in self.entries if text in entry[1]]


@dataclass
class Site:
    """What the site origin needs: the bucket (a boto3 S3 client and name), the API, the edge key, the log."""

    s3: Any
    bucket: str
    api_host: str
    api_port: int
    edge_key: str
    url: Callable[[], str]  # the site's own base URL (known once its port is bound)
    connect: Callable[[], str] = lambda: ""  # the console's extra connect-src (the Cognito endpoint)
    countries: dict[str, str] = field(default_factory=dict)  # loopback address -> the country CloudFront would see
    networks: dict[str, str] = field(default_factory=dict)  # loopback address -> the AS number CloudFront would see
    log: ApiLog = field(default_factory=ApiLog)


def preview_page(
    site_url: str, poll_ids: list[str], theme: str | None, lang: str | None = None, quiz_ids: tuple[str, ...] = ()
) -> bytes:
    """Return a bare page (in language `lang`, English by default) embedding the given polls (and quizzes, through
    the quiz script) from the site."""
    themed = f' data-theme="{html.escape(theme)}"' if theme else ""
    polls = "\n".join(
        f'<div data-poll-id="{html.escape(poll_id)}" data-site="{site_url}"{themed}></div>' for poll_id in poll_ids
    )
    for quiz_id in quiz_ids:
        polls += f'\n<div data-quiz-id="{html.escape(quiz_id)}" data-site="{site_url}"></div>'
    quiz_script = '<script src="/widget/quiz.js" defer></script>' if quiz_ids else ""
    return (
        f'<!doctype html>\n<html lang="{html.escape(lang or "en")}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Poll preview</title></head>\n'
        f"<body><main><h1>Poll preview</h1>\n{polls}\n</main>\n"
        f'<script src="/widget/poll-widget.js" defer></script>{quiz_script}</body></html>\n'
    ).encode()


def snippet(site_url: str, poll_id: str, view: str | None = None) -> str:
    """Return the embed snippet of a poll, with `data-view` when a view is asked for."""
    found = embed_snippet(site_url, manifest(), poll_id)
    return found.replace("<div ", f'<div data-view="{html.escape(view)}" ') if view else found


def demo_page(site_url: str, poll_id: str, strict: bool = False, view: str | None = None) -> bytes:
    """Return the demo article with the poll embedded from the site by its embed snippet, as a newsroom would
    (strict: its styles from `/demo.css` instead of inline, for a page under ARTICLE_CSP)."""
    page = (WEB / "demo.html").read_text()
    if strict:
        page = DEMO_STYLE.sub('<link rel="stylesheet" href="/demo.css">\n', page)
    return page.replace(EMBED_MARK, snippet(site_url, poll_id, view)).encode()


def demo_css() -> bytes:
    """Return the demo article's own styles as a stylesheet."""
    found = DEMO_STYLE.search((WEB / "demo.html").read_text())
    assert found is not None, "web/demo.html has no <style>"
    return found.group(1).encode()


def article_page(site_url: str, poll_id: str, view: str | None = None, lang: str | None = None) -> bytes:
    """Return a bare article (in language `lang`, English by default) embedding any poll by its embed snippet (the
    demo origin's `/article?poll=ID&view=results&lang=cy`)."""
    return (
        f'<!doctype html>\n<html lang="{html.escape(lang or "en")}"><head><meta charset="utf-8"><title>Article</title>'
        f"</head>\n<body><main><h1>Article</h1>\n<p>A story.</p>\n{snippet(site_url, poll_id, view)}\n</main></body>"
        "</html>\n"
    ).encode()


def _by_address(value: str, name: str, pattern: str, what: str) -> dict[str, str]:
    """Read a list of address=value entries ("127.0.0.2=GB,127.0.0.3=FR"), each value matching `pattern`."""
    found: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        address, _, given = entry.partition("=")
        if not re.fullmatch(pattern, given.strip()):
            raise ValueError(f"{name}: {entry!r} is not {what}")
        found[str(ipaddress.ip_address(address.strip()))] = given.strip()
    return found


def local_countries(value: str) -> dict[str, str]:
    """Read LOCAL_COUNTRIES ("127.0.0.2=GB,127.0.0.3=FR"): the country the site reports for each loopback client."""
    return _by_address(value, "LOCAL_COUNTRIES", r"[A-Z]{2}", "address=CC (an upper-case country code)")


def local_networks(value: str) -> dict[str, str]:
    """Read LOCAL_ASNS ("127.0.0.2=64500,127.0.0.3=64501"): the network (AS number) the site reports for each
    loopback client."""
    return _by_address(value, "LOCAL_ASNS", r"[1-9][0-9]{0,9}", "address=ASN (an AS number)")


class Handler(BaseHTTPRequestHandler):
    """Shared parts: sending an answer, and quiet logs (one line per request would drown the API's own)."""

    protocol_version = "HTTP/1.1"

    def send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        """Send a complete answer (no body for HEAD or 304)."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # http.server's signature
        """Keep quiet."""


def site_handler(site: Site) -> type[BaseHTTPRequestHandler]:
    """Return the request handler of the site origin."""

    class SiteHandler(Handler):
        """The site: `/api/*` to the API, `/embed` previews, everything else from the bucket."""

        def _route(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/api" or url.path.startswith("/api/"):
                return self._proxy(url.path[4:] or "/", url.query)
            if self.command not in ("GET", "HEAD"):
                return self.send(405, b"method not allowed\n", {"Content-Type": TEXT, "Allow": "GET, HEAD"})
            if url.path == "/embed":
                query = parse_qs(url.query)
                theme, lang = (query[key][0] if query.get(key) else None for key in ("theme", "lang"))
                body = preview_page(site.url(), query.get("poll", []), theme, lang, tuple(query.get("quiz", [])))
                return self.send(200, body, {"Content-Type": HTML, "Cache-Control": "no-cache"})
            if url.path == "/console":
                return self.send(301, b"", {"Location": "/console/"})
            key = unquote(url.path.lstrip("/"))
            if key.endswith("/") and key.startswith("console/"):
                key += "index.html"
            self._object(key)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _route

        def _object(self, key: str) -> None:
            """Answer with a bucket object as CloudFront would through Origin Access Control."""
            headers = {"Content-Type": TEXT, "Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"}
            if key.startswith("console/"):
                headers["Content-Security-Policy"] = CSP.format(connect=site.connect())
            if not key.startswith(PUBLIC_PREFIXES) or ".." in key.split("/"):
                return self.send(403, b"forbidden\n", headers)
            try:
                found = site.s3.get_object(Bucket=site.bucket, Key=key)
            except site.s3.exceptions.NoSuchKey:
                return self.send(404, b"not found\n", headers)
            body = found["Body"].read()
            headers["Content-Type"] = found.get("ContentType") or "application/octet-stream"
            headers["ETag"] = found["ETag"]
            if found.get("CacheControl"):
                headers["Cache-Control"] = found["CacheControl"]
            if found.get("LastModified"):
                headers["Last-Modified"] = found["LastModified"].strftime("%a, %d %b %Y %H:%M:%S GMT")
            if found["ETag"] in (self.headers.get("If-None-Match") or "").replace(" ", "").split(","):
                return self.send(304, b"", headers)
            self.send(200, body, headers)

        def _proxy(self, path: str, query: str) -> None:
            """Pass a request to the API as the distribution's API behaviour does, and its answer back."""
            target = path + (f"?{query}" if query else "")
            address, port = self.client_address[:2]
            site.log.add(self.command, target, address)
            headers = {name: self.headers[name] for name in FORWARDED if self.headers.get(name) is not None}
            cookies = [c.strip() for c in (self.headers.get("Cookie") or "").split(";")]
            voter = [c for c in cookies if c.startswith(f"{VOTER_COOKIE}=")]
            if voter:
                headers["Cookie"] = voter[-1]
            headers.update({"X-Origin-Verify": site.edge_key, "CloudFront-Viewer-Address": f"{address}:{port}"})
            if address in site.countries:
                headers["CloudFront-Viewer-Country"] = site.countries[address]
            if address in site.networks:
                headers["CloudFront-Viewer-ASN"] = site.networks[address]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            connection = http.client.HTTPConnection(site.api_host, site.api_port, timeout=60)
            try:
                connection.request(self.command, target, body=body, headers=headers)
                answer = connection.getresponse()
                content = answer.read()
            except OSError:
                return self.send(502, b"the API did not answer\n", {"Content-Type": TEXT})
            finally:
                connection.close()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

    return SiteHandler


def demo_handler(site_url: Callable[[], str], poll_id: str) -> type[BaseHTTPRequestHandler]:
    """Return the request handler of the demo article's origin: `/` and `/demo` are the article about the demo
    poll (`?poll=ID`: about another), `/strict` the same under ARTICLE_CSP, `/article?poll=ID` a bare article
    embedding any poll; each takes `view=results` for the results-only widget."""

    class DemoHandler(Handler):
        """A newsroom's pages, embedding polls from the site."""

        def do_GET(self) -> None:  # the name http.server calls
            url = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(url.query).items()}
            other, view = query.get("poll", ""), query.get("view")
            headers = {"Content-Type": HTML, "Cache-Control": "no-cache"}
            if url.path in ("/", "/demo"):
                body = demo_page(site_url(), other or poll_id, view=view)
            elif url.path == "/strict":
                body = demo_page(site_url(), other or poll_id, strict=True, view=view)
                headers["Content-Security-Policy"] = ARTICLE_CSP.format(site=site_url())
            elif url.path == "/demo.css":
                body, headers["Content-Type"] = demo_css(), TYPES[".css"]
            elif url.path == "/article" and other:
                body = article_page(site_url(), other, view, query.get("lang"))
            else:
                return self.send(404, b"not found\n", {"Content-Type": TEXT})
            self.send(200, body, headers)

        do_HEAD = do_GET

    return DemoHandler
