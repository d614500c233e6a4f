"""The site's static files (widget, worker, locales, console): their bucket keys, caching and the embed snippet.

One list serves both the deployed site (`make deploy` uploads it to the stage's bucket, CloudFront serves it) and
`make run` (uploaded to the embedded bucket, which the local site origin serves), so the two lay out the same.

  widget/poll-widget.<hash>.js   the widget, named by its content: cached for a year, `immutable`; embed with SRI
  widget/poll-widget.js          the same bytes under a stable name for hosted pages on the site itself (5 minutes)
  widget/pow-worker.js           the proof-of-work solver the widget loads beside itself (5 minutes)
  widget/quiz.js                 runs a multi-question quiz in a page through the widget (5 minutes)
  widget/vendor/<file>.js        what the solver imports for a memory-hard proof: hash-wasm's scrypt (5 minutes)
  widget/locales/<lang>.js       interface translations, loaded beside the widget (5 minutes)
  widget/manifest.json           {"widget": key, "integrity": "sha384-..."}: what the newest embed snippet names
  console/...                    the editors' console (no-cache: a deploy is seen at once)
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
NO_CACHE = "no-cache"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
}
WIDGET_PREFIX = "widget"
CONSOLE_PREFIX = "console"
MANIFEST_KEY = f"{WIDGET_PREFIX}/manifest.json"


@dataclass(frozen=True)
class Asset:
    """One object of the site: where it goes, its bytes and how it is served."""

    key: str
    body: bytes
    content_type: str
    cache_control: str


def integrity(body: bytes) -> str:
    """Return the Subresource Integrity value of some bytes (sha384, as browsers check it)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode("ascii")


def widget_key(body: bytes) -> str:
    """Return the widget's content-named key: `widget/poll-widget.<first 12 hex of its sha256>.js`."""
    return f"{WIDGET_PREFIX}/poll-widget.{hashlib.sha256(body).hexdigest()[:12]}.js"


def manifest(web: Path = WEB) -> dict[str, str]:
    """Return what the embed snippet names: the widget's content-named key and its integrity value."""
    body = (web / "poll-widget.js").read_bytes()
    return {"widget": widget_key(body), "integrity": integrity(body)}


def widget_assets(web: Path = WEB) -> list[Asset]:
    """Return the widget, its worker and what it imports, its locales and the manifest."""
    body = (web / "poll-widget.js").read_bytes()
    js = TYPES[".js"]
    found = [
        Asset(widget_key(body), body, js, IMMUTABLE),
        Asset(f"{WIDGET_PREFIX}/poll-widget.js", body, js, SHORT),
        Asset(f"{WIDGET_PREFIX}/pow-worker.js", (web / "pow-worker.js").read_bytes(), js, SHORT),
        Asset(f"{WIDGET_PREFIX}/quiz.js", (web / "quiz.js").read_bytes(), js, SHORT),
    ]
    for vendored in sorted((web / "vendor").glob("*.js")):
        found.append(Asset(f"{WIDGET_PREFIX}/vendor/{vendored.name}", vendored.read_bytes(), js, SHORT))
    for locale in sorted((web / "locales").glob("*.js")):
        found.append(Asset(f"{WIDGET_PREFIX}/locales/{locale.name}", locale.read_bytes(), js, SHORT))
    document = json.dumps(manifest(web), indent=2).encode()
    found.append(Asset(MANIFEST_KEY, document, TYPES[".json"], NO_CACHE))
    return found


def console_assets(config: dict[str, Any], web: Path = WEB) -> list[Asset]:
    """Return the editors' console and its config.json (where the API and the Cognito endpoint are)."""
    found = []
    for path in sorted((web / "console").rglob("*")):
        if path.is_file() and path.suffix in TYPES:
            key = f"{CONSOLE_PREFIX}/{path.relative_to(web / 'console').as_posix()}"
            found.append(Asset(key, path.read_bytes(), TYPES[path.suffix], NO_CACHE))
    index = next(a for a in found if a.key == f"{CONSOLE_PREFIX}/index.html")
    # S3 behind Origin Access Control has no index documents: /console/ is the key `console/`.
    found.append(Asset(f"{CONSOLE_PREFIX}/", index.body, index.content_type, NO_CACHE))
    body = json.dumps(config, indent=2).encode()
    found.append(Asset(f"{CONSOLE_PREFIX}/config.json", body, TYPES[".json"], NO_CACHE))
    return found


def upload(s3: Any, bucket: str, assets: list[Asset]) -> None:
    """Write the assets to a bucket (a boto3 S3 client), the content-named widget before the manifest naming it."""
    for asset in sorted(assets, key=lambda a: a.key == MANIFEST_KEY):
        s3.put_object(
            Bucket=bucket,
            Key=asset.key,
            Body=asset.body,
            ContentType=asset.content_type,
            CacheControl=asset.cache_control,
        )


def embed_snippet(site_url: str, found: dict[str, str], poll_id: str = "POLL_ID") -> str:
    """Return the HTML a newsroom pastes into an article: the widget with its integrity hash, and the poll's div."""
    site = site_url.rstrip("/")
    return (
        f'<script src="{html.escape(site)}/{found["widget"]}" integrity="{found["integrity"]}" '
        'crossorigin="anonymous" defer></script>\n'
        f'<div data-poll-id="{html.escape(poll_id)}" data-site="{html.escape(site)}"></div>'
    )
