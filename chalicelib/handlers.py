"""Route handlers: turn a Chalice request into one domain call and its response."""

from __future__ import annotations

from chalice import Response
from chalice.app import Request

from chalicelib import clock, polls, ratelimit, recount, results, snapshots, votes
from chalicelib.http import (
    NO_STORE,
    is_admin,
    json_response,
    parse_json_body,
    public_cache,
    query,
    require_admin,
    source_ip,
)
from chalicelib.settings import get_settings


def health() -> Response:
    """Answer the liveness probe."""
    return json_response({"status": "ok"})


def get_poll(poll_id: str) -> Response:
    """Return a poll's public definition."""
    poll = polls.get(poll_id)
    return json_response(poll.public_dict(clock.now()), cache=public_cache(get_settings().poll_max_age))


def cast_vote(request: Request, poll_id: str) -> Response:
    """Cast a vote."""
    ip = source_ip(request)
    ratelimit.check_vote(ip)
    body = votes.cast(poll_id, parse_json_body(request.raw_body), ip)
    return json_response(body, status=201)


def get_results(request: Request, poll_id: str) -> Response:
    """Return a poll's results, as its visibility allows for this reader."""
    admin = is_admin(request)
    voter = query(request, "voter")
    body, cacheable = results.for_reader(poll_id, voter, admin)
    cache = public_cache(get_settings().results_max_age) if cacheable else NO_STORE
    return json_response(body, cache=cache)


def create_poll(request: Request) -> Response:
    """Create a poll (admin)."""
    require_admin(request)
    poll = polls.create(parse_json_body(request.raw_body))
    return json_response(poll.admin_dict(clock.now()), status=201, headers={"Location": f"/polls/{poll.id}"})


def list_polls(request: Request) -> Response:
    """List polls (admin)."""
    require_admin(request)
    page = polls.list_page(query(request, "status"), query(request, "limit"), query(request, "cursor"))
    return json_response(page)


def change_poll(request: Request, poll_id: str) -> Response:
    """Change, close or reopen a poll (admin)."""
    require_admin(request)
    poll = polls.change(poll_id, parse_json_body(request.raw_body))
    return json_response(poll.admin_dict(clock.now()))


def delete_poll(request: Request, poll_id: str) -> Response:
    """Delete a poll and its counters (admin)."""
    require_admin(request)
    polls.delete(poll_id)
    return Response(body="", status_code=204, headers={"Cache-Control": NO_STORE})


def recount_poll(request: Request, poll_id: str) -> Response:
    """Recount a poll's ballots against its counters, repairing them on request (admin)."""
    require_admin(request)
    body = parse_json_body(request.raw_body) if request.raw_body else None
    return json_response(recount.recount(poll_id, fix=recount.parse_request(body)))


def run_snapshots(request: Request) -> Response:
    """Run the snapshot job now and return its report (admin)."""
    require_admin(request)
    return json_response(snapshots.run().as_dict())


def scheduled_snapshots() -> dict[str, object]:
    """Run the snapshot job for the schedule; the report is the Lambda's result."""
    return snapshots.run().as_dict()
