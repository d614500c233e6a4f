"""Cloudflare Turnstile's siteverify API: the one outgoing HTTP call, for polls whose newsroom uses Turnstile."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from chalicelib.core.errors import ServiceUnavailable
from chalicelib.runtime.settings import get_settings

TIMEOUT_SECONDS = 3


@dataclass(frozen=True)
class SiteverifyAnswer:
    """What siteverify said about a token."""

    success: bool
    error_codes: tuple[str, ...]


def siteverify(secret: str, token: str, remote_ip: str | None) -> SiteverifyAnswer:
    """POST a token to the stage's siteverify URL (form-encoded, as documented); ServiceUnavailable if unreachable."""
    url = get_settings().turnstile_verify_url
    if not url.startswith(("https://", "http://")):  # settings check this too; never a file: URL
        raise ServiceUnavailable("the challenge service is not configured")
    form = {"secret": secret, "response": token}
    if remote_ip:
        form["remoteip"] = remote_ip
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:  # the URL is http(s), checked above (bandit B310)
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # nosec B310
            body = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ServiceUnavailable("the challenge service cannot be reached, try again shortly") from exc
    if not isinstance(body, dict):
        raise ServiceUnavailable("the challenge service answered unexpectedly")
    codes = body.get("error-codes") or []
    return SiteverifyAnswer(success=body.get("success") is True, error_codes=tuple(str(c) for c in codes))
