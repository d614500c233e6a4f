"""Domain errors, each carrying the API's status and error code (the api package turns them into responses)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """An error the API reports to its caller with a status and a snake_case code."""

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


class _RetryLater(DomainError):
    """An error that tells the caller when to try again (Retry-After)."""

    default_retry_after = 1

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        seconds = self.default_retry_after if retry_after is None else retry_after
        super().__init__(message, headers={"Retry-After": str(seconds)})


class InvalidJson(DomainError):
    """The body is not JSON, or not an object of the expected shape."""

    status, code = 400, "invalid_json"


class InvalidVoter(DomainError):
    """The voter token is missing or malformed."""

    status, code = 400, "invalid_voter"


class InvalidOption(DomainError):
    """The chosen options are unknown, repeated, missing or too many."""

    status, code = 400, "invalid_option"


class InvalidWriteIn(DomainError):
    """A write-in ("other") is empty, too long, unreadable text, or given on a poll that takes none."""

    status, code = 400, "invalid_write_in"


class WriteInNotFound(DomainError):
    """No reader wrote in this answer in this poll."""

    status, code = 404, "write_in_not_found"


class InvalidWriteInDecision(DomainError):
    """An editor's decision on a write-in is malformed (unknown action, missing or unknown merge target, bad label)."""

    status, code = 400, "invalid_write_in_decision"


class ChallengeRequired(DomainError):
    """The poll asks for a proof (proof of work or Turnstile) and the vote has none."""

    status, code = 400, "challenge_required"


class ChallengeFailed(DomainError):
    """The proof is malformed, wrong, expired, badly signed or for another poll."""

    status, code = 400, "challenge_failed"


class TurnstileRequired(DomainError):
    """The reader's network or block surges past the second level and the stage has Turnstile: no proof of work
    will do now, the vote's proof must be a Turnstile token."""

    status, code = 428, "turnstile_required"


class PrivateTokenInvalid(DomainError):
    """A Privacy Pass token presented for a cheaper challenge is malformed, forged, or for another challenge or key."""

    status, code = 400, "private_token_invalid"


class InvalidPoll(DomainError):
    """A poll definition (create or change) is invalid; the message names the field."""

    status, code = 400, "invalid_poll"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", extra={"field": field})


class InvalidParameter(DomainError):
    """A query-string parameter is invalid."""

    status, code = 400, "invalid_parameter"


class InvalidDay(DomainError):
    """The analytics export's day is not a YYYY-MM-DD date, or is in the future."""

    status, code = 400, "invalid_day"


class Unauthorized(DomainError):
    """No credentials, or a wrong, expired or revoked token (the service token or an editor's sign-in)."""

    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    """The caller is signed in but their groups do not allow this (deleting and voiding need `admins`)."""

    status, code = 403, "forbidden"


class ResultsHidden(DomainError):
    """The poll's results visibility forbids showing results to this caller."""

    status, code = 403, "results_hidden"


class PollNotFound(DomainError):
    """No poll has this id."""

    status, code = 404, "poll_not_found"


class RouteNotFound(DomainError):
    """No route matches the request."""

    status, code = 404, "not_found"


class MethodNotAllowed(DomainError):
    """The route exists but not with this method."""

    status, code = 405, "method_not_allowed"


class AlreadyVoted(DomainError):
    """This voter has already voted in this poll."""

    status, code = 409, "already_voted"


class PollClosed(DomainError):
    """The poll is closed."""

    status, code = 409, "poll_closed"


class PollNotOpen(DomainError):
    """The poll has not opened yet."""

    status, code = 409, "poll_not_open"


class PollExists(DomainError):
    """A poll with this id already exists."""

    status, code = 409, "poll_exists"


class PollHasVotes(DomainError):
    """The question or options cannot change once the poll has votes."""

    status, code = 409, "poll_has_votes"


class PollOpen(DomainError):
    """Counters are only repaired once the poll is closed (no vote can race the repair)."""

    status, code = 409, "poll_open"


class RecountTooSoon(_RetryLater):
    """A recount may repair counts only once the poll has been closed long enough for the fold to catch up."""

    status, code = 409, "recount_too_soon"


class ChallengeUsed(DomainError):
    """This proof of work (or the Privacy Pass token that made it cheaper) has already been spent on a vote."""

    status, code = 409, "challenge_used"


class PayloadTooLarge(DomainError):
    """The request body is over the size limit."""

    status, code = 413, "payload_too_large"


class UnsupportedMediaType(DomainError):
    """The request body's content type is not JSON."""

    status, code = 415, "unsupported_media_type"


class IpLimitReached(DomainError):
    """This IP address has cast as many votes in this poll as the poll allows."""

    status, code = 429, "ip_limit_reached"


class AddressLimitReached(_RetryLater):
    """This address prefix has cast the poll's allowance of votes in the current window."""

    status, code = 429, "address_limit_reached"


class RateLimited(_RetryLater):
    """This address sends requests faster than the route allows."""

    status, code = 429, "rate_limited"


class TryAgain(_RetryLater):
    """The vote's outcome is unknown or the store is busy; retrying with the same voter is safe."""

    status, code = 503, "try_again"


class ServiceUnavailable(_RetryLater):
    """A dependency (the database, the configuration) cannot be reached."""

    status, code = 503, "service_unavailable"
    default_retry_after = 5


class InternalError(DomainError):
    """Something failed that should not have; details are logged, never returned."""

    status, code = 500, "internal_error"


class InvalidForm(DomainError):
    """A form vote's body is not a URL-encoded form of `option` (and optionally `lang`) fields."""

    status, code = 400, "invalid_form"


class CrossSiteForm(DomainError):
    """A form vote was posted from another site (a page could otherwise vote with its visitors' browsers)."""

    status, code = 403, "cross_site_form"
