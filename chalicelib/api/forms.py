"""The no-JavaScript vote: the hosted page's form posts here and the reader ends on a page, not a JSON document."""

from __future__ import annotations

import secrets
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from chalice import Response
from chalice.app import Request

from chalicelib.api.requests import MAX_BODY_BYTES, dimensions, header, source_ip, viewer_network
from chalicelib.api.routing import Routes
from chalicelib.core import caching, pages
from chalicelib.core.errors import (
    AlreadyVoted,
    ChallengeFailed,
    ChallengeRequired,
    CrossSiteForm,
    DomainError,
    InvalidForm,
    PayloadTooLarge,
)
from chalicelib.core.languages import requested_language
from chalicelib.core.poll import Poll
from chalicelib.core.votes import VOTER_RE
from chalicelib.runtime import observability
from chalicelib.runtime.settings import get_settings
from chalicelib.services import polls, ratelimit, results, votes

FORM_TYPE = "application/x-www-form-urlencoded"
COOKIE = "poll_voter"  # first-party: set on the site's domain, where the API is served under /api
COOKIE_DAYS = 400  # the longest lifetime browsers keep (Chrome caps cookies at 400 days)
FIELDS = frozenset({"option", "lang", "other"})
SAME_SITE = frozenset({"same-origin", "none"})  # Sec-Fetch-Site values a first-party form post carries
HTML_TYPE = "text/html; charset=utf-8"

routes = Routes(__name__)


def _cookie_voter(request: Request) -> str | None:
    """Return the reader's voter token from the first-party cookie, if it is well-formed."""
    jar = SimpleCookie()
    try:
        jar.load(header(request, "cookie") or "")
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None and VOTER_RE.fullmatch(morsel.value) else None


def _set_cookie(voter: str) -> str:
    """Return the Set-Cookie value for a new voter token (Secure on deployed stages, which are HTTPS)."""
    secure = "" if get_settings().stage == "local" else "; Secure"
    return f"{COOKIE}={voter}; Path=/; Max-Age={COOKIE_DAYS * 86400}; HttpOnly; SameSite=Lax{secure}"


def _check_origin(request: Request) -> None:
    """Refuse a post another site's page made (Sec-Fetch-Site, else Origin against the site's URL when known)."""
    fetch_site = header(request, "sec-fetch-site")
    if fetch_site is not None and fetch_site not in SAME_SITE:
        raise CrossSiteForm("this form can only be sent from the poll's own page")
    origin, site = header(request, "origin"), get_settings().site_url
    if fetch_site is None and origin and site and origin.rstrip("/") != site:
        raise CrossSiteForm("this form can only be sent from the poll's own page")


def _form(request: Request) -> tuple[list[str], str | None, str | None]:
    """Decode the form: the chosen options, the page's language and a write-in (None: none)."""
    body = request.raw_body or b""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the form must be at most {MAX_BODY_BYTES} bytes")
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw), max_num_fields=40)
    except (UnicodeDecodeError, ValueError):
        raise InvalidForm("the form must be URL-encoded UTF-8 fields 'option' and 'lang'") from None
    unknown = set(fields) - FIELDS
    if unknown:
        raise InvalidForm(f"unknown field '{sorted(unknown)[0][:40]}'")
    lang = fields["lang"][-1] if fields.get("lang") else None
    other = fields["other"][-1] if fields.get("other") and fields["other"][-1].strip() else None
    return [o for o in fields.get("option", []) if o], requested_language(lang) if lang else None, other


def _page(
    status: int, poll_id: str, error: DomainError | None, found: dict[str, object] | None, quiz: object = None
) -> Response:
    """Build the page a form vote ends on."""
    if error is None:
        heading, message, outcome = "Thank you", "Your vote has been counted.", "counted"
    elif isinstance(error, (ChallengeRequired, ChallengeFailed)):
        heading, outcome = "Your vote was not counted", error.code
        message = "Voting in this poll needs JavaScript. Turn it on and reload the poll's page to vote."
    elif isinstance(error, AlreadyVoted):
        heading, message, outcome = "You have already voted", "You have already voted in this poll.", error.code
    else:
        heading, message, outcome = "Your vote was not counted", error.message, error.code
    settings = get_settings()
    body = pages.vote_page(
        poll_id,
        heading,
        message,
        found,  # type: ignore[arg-type]
        outcome,
        poll=_poll(poll_id),
        quiz=quiz if isinstance(quiz, dict) else None,
        name=settings.site_name,
        accent=settings.accent_colour,
    )
    extra = dict(error.headers) if error is not None else {}  # Retry-After on 429 and 503
    return Response(
        body=body, status_code=status, headers={**extra, "Content-Type": HTML_TYPE, "Cache-Control": caching.NO_STORE}
    )


@routes.route("/polls/{poll_id}/form", "POST", content_types=[FORM_TYPE])
def vote_by_form(poll_id: str) -> Response:
    """Cast a vote from the hosted page's form (no JavaScript) and answer with a page."""
    request = routes.request()
    voter = _cookie_voter(request)
    issued = voter is None
    voter = voter or "f" + secrets.token_hex(16)
    lang: str | None = None
    try:
        _check_origin(request)
        options, lang, other = _form(request)
        ip = source_ip(request)
        ratelimit.check_vote(ip)
        chosen = {"options": options, "voter": voter, **({"other": other} if other is not None else {})}
        body = votes.cast(poll_id, chosen, ip, lang, dimensions(request, form=True), network=viewer_network(request))
        response = _page(200, poll_id, None, body.get("results"), body.get("quiz"))
    except DomainError as refusal:
        observability.count_by(observability.VOTE_REFUSED, observability.REASON_DIMENSION, refusal.code)
        response = _page(refusal.status, poll_id, refusal, _visible(poll_id, voter, refusal, lang))
    if issued:
        response.headers["Set-Cookie"] = _set_cookie(voter)
    return response


def _poll(poll_id: str) -> Poll | None:
    """Return the poll a form vote was for (cached: the vote just read it), or None if there is none."""
    try:
        return polls.get(poll_id)
    except DomainError:
        return None


def _visible(poll_id: str, voter: str, refusal: DomainError, lang: str | None) -> dict[str, object] | None:
    """Return the results a refused reader may see (a voter who already voted, or a closed poll's public results)."""
    if refusal.status not in (403, 409):
        return None
    try:
        return results.for_reader(poll_id, voter, False, lang).document
    except DomainError:
        return None
