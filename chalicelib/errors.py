"""Domain errors carrying the API's error codes, and the one place they become responses."""

from __future__ import annotations

import json
from typing import Any

from chalice import Response
from chalice.app import ChaliceUnhandledError


class ApiError(ChaliceUnhandledError):
    """An error the API reports to its caller with a status and a snake_case code.

    It derives from ChaliceUnhandledError so that Chalice lets it reach our middleware,
    which turns it into a response in `to_response`.
    """

    status = 500
    code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        self.headers = headers or {}


class InvalidJson(ApiError):
    """The body is not JSON, or not an object of the expected shape."""

    status, code = 400, "invalid_json"


class InvalidVoter(ApiError):
    """The voter token is missing or malformed."""

    status, code = 400, "invalid_voter"


class InvalidOption(ApiError):
    """The chosen options are unknown, repeated, missing or too many."""

    status, code = 400, "invalid_option"


class InvalidPoll(ApiError):
    """A poll definition (create or change) is invalid; the message names the field."""

    status, code = 400, "invalid_poll"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", extra={"field": field})


class InvalidParameter(ApiError):
    """A query-string parameter is invalid."""

    status, code = 400, "invalid_parameter"


class Unauthorized(ApiError):
    """The admin bearer token is missing or wrong."""

    status, code = 401, "unauthorized"


class ResultsHidden(ApiError):
    """The poll's results visibility forbids showing results to this caller."""

    status, code = 403, "results_hidden"


class PollNotFound(ApiError):
    """No poll has this id."""

    status, code = 404, "poll_not_found"


class RouteNotFound(ApiError):
    """No route matches the request."""

    status, code = 404, "not_found"


class MethodNotAllowed(ApiError):
    """The route exists but not with this method."""

    status, code = 405, "method_not_allowed"


class AlreadyVoted(ApiError):
    """This voter has already voted in this poll."""

    status, code = 409, "already_voted"


class PollClosed(ApiError):
    """The poll is closed."""

    status, code = 409, "poll_closed"


class PollNotOpen(ApiError):
    """The poll has not opened yet."""

    status, code = 409, "poll_not_open"


class PollExists(ApiError):
    """A poll with this id already exists."""

    status, code = 409, "poll_exists"


class PollHasVotes(ApiError):
    """The question or options cannot change once the poll has votes."""

    status, code = 409, "poll_has_votes"


class PollOpen(ApiError):
    """Counters are only repaired once the poll is closed (no vote can race the repair)."""

    status, code = 409, "poll_open"


class RecountUnavailable(ApiError):
    """Polls that allow repeat votes keep no ballots, so there is nothing to recount."""

    status, code = 409, "recount_unavailable"


class PayloadTooLarge(ApiError):
    """The request body is over the size limit."""

    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    """The request body's content type is not JSON."""

    status, code = 415, "unsupported_media_type"


class IpLimitReached(ApiError):
    """This IP address has cast as many votes in this poll as the poll allows."""

    status, code = 429, "ip_limit_reached"


class RateLimited(ApiError):
    """This address sends requests faster than the route allows."""

    status, code = 429, "rate_limited"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class TryAgain(ApiError):
    """The vote's outcome is unknown or the store is busy; retrying with the same voter is safe."""

    status, code = 503, "try_again"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class ServiceUnavailable(ApiError):
    """A dependency (the database, the configuration) cannot be reached."""

    status, code = 503, "service_unavailable"

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class InternalError(ApiError):
    """Something failed that should not have; details are logged, never returned."""

    status, code = 500, "internal_error"


def error_body(code: str, message: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the API's error document."""
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    for key, value in (extra or {}).items():
        if key == "field":
            body["error"]["field"] = value
        else:
            body[key] = value
    return body


def to_response(error: ApiError) -> Response:
    """Turn a domain error into the API's JSON error response."""
    headers: dict[str, str | list[str]] = {"Content-Type": "application/json", "Cache-Control": "no-store"}
    headers.update(error.headers)
    return Response(
        body=error_body(error.code, error.message, error.extra),
        status_code=error.status,
        headers=headers,
    )


# Chalice answers some requests itself, before any view runs; map those to our shape.
_CHALICE_CODES: dict[str, type[ApiError]] = {
    "UnsupportedMediaType": UnsupportedMediaType,
    "MethodNotAllowedError": MethodNotAllowed,
    "NotFoundError": RouteNotFound,
    "BadRequest": InvalidJson,
}


def from_chalice_response(response: Response) -> Response:
    """Rewrite an error response generated by Chalice itself into the API's error shape."""
    body = response.body
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError:
            body = None
    if not (isinstance(body, dict) and "Code" in body and "error" not in body):
        return response
    error_cls = _CHALICE_CODES.get(str(body["Code"]))
    if error_cls is None or response.status_code >= 500:
        error: ApiError = InternalError("an internal error occurred")
    elif error_cls is MethodNotAllowed:
        error = MethodNotAllowed("this route does not accept that method")
    elif error_cls is UnsupportedMediaType:
        error = UnsupportedMediaType("send the body as application/json")
    else:
        error = error_cls("the request is not valid")
    rewritten = to_response(error)
    for name, value in response.headers.items():
        if name.lower() not in ("content-type",):
            rewritten.headers.setdefault(name, value)
    rewritten.status_code = error.status
    return rewritten
