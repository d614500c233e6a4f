"""Public routes: health, a poll's definition, voting and results."""

from __future__ import annotations

from chalice import Response
from chalice.app import Request

from chalicelib.api.auth import is_staff
from chalicelib.api.requests import dimensions, header, parse_json_body, query, source_ip, viewer_network
from chalicelib.api.responses import json_response
from chalicelib.api.routing import Routes
from chalicelib.core import caching, quiz
from chalicelib.core.errors import DomainError
from chalicelib.core.languages import requested_language
from chalicelib.runtime import clock, observability
from chalicelib.runtime.settings import get_settings
from chalicelib.services import challenges, polls, private_tokens, ratelimit, results, votes

routes = Routes(__name__)


@routes.route("/health", "GET")
def health() -> Response:
    """Answer the liveness probe."""
    return json_response({"status": "ok"})


def _language(request: Request) -> str | None:
    """Return the language the caller asks for (`?lang=`); the answer depends on no header, so it needs no Vary."""
    return requested_language(query(request, "lang"))


@routes.route("/polls/{poll_id}", "GET")
def get_poll(poll_id: str) -> Response:
    """Return a poll's public definition, in the language asked for where it has one."""
    lang = _language(routes.request())
    body = quiz.public_dict(polls.get(poll_id), clock.now(), lang)  # a quiz's answer only once it closed
    cache = caching.public(get_settings().poll_max_age)
    return json_response(body, cache=cache, headers={"Content-Language": body["lang"]})


@routes.route("/polls/{poll_id}/challenge", "GET")
def get_challenge(poll_id: str) -> Response:
    """Return a fresh proof-of-work challenge for the poll (ALTCHA v2), never cached, costed for the surge level of
    the reader's network and block; where the stage trusts Privacy Pass issuers, offer their challenges too, and make
    the proof cheaper for a reader who presents a token."""
    request = routes.request()
    host = header(request, "host")
    token = private_tokens.redeem(poll_id, host, header(request, "authorization"))
    shows_turnstile = query(request, "turnstile") != "0"  # a page without Turnstile's script says so
    document = challenges.issue(
        poll_id, source_ip(request), viewer_network(request), token=token, turnstile=shows_turnstile
    )
    return json_response(document, headers=private_tokens.offer(poll_id, host))


@routes.route("/polls/{poll_id}/votes", "POST", json_body=True)
def cast_vote(poll_id: str) -> Response:
    """Cast a vote."""
    request = routes.request()
    ip = source_ip(request)
    try:
        ratelimit.check_vote(ip)
        vote = parse_json_body(request.raw_body)
        body = votes.cast(poll_id, vote, ip, _language(request), dimensions(request), network=viewer_network(request))
    except DomainError as refusal:
        observability.count_by(observability.VOTE_REFUSED, observability.REASON_DIMENSION, refusal.code)
        raise
    return json_response(body, status=201)


@routes.route("/polls/{poll_id}/results", "GET")
def get_results(poll_id: str) -> Response:
    """Return a poll's results, as its visibility allows for this reader."""
    request = routes.request()
    lang = _language(request)
    found = results.for_reader(poll_id, query(request, "voter"), is_staff(request), lang)
    cache = caching.public(get_settings().results_max_age) if found.shareable else caching.NO_STORE
    return json_response(found.document, cache=cache, headers={"Content-Language": found.document["lang"]})
