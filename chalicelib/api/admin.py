"""Admin routes: create, list, change and delete polls, recount them, examine and void ballots, run snapshots
and the analytics export (each change audited)."""

from __future__ import annotations

from chalice import Response

from chalicelib.api.auth import require_admin, require_editor
from chalicelib.api.requests import MAX_POLL_BODY_BYTES, optional_json_body, parse_json_body, query
from chalicelib.api.responses import empty_response, json_response
from chalicelib.api.routing import Routes
from chalicelib.runtime import clock
from chalicelib.services import exports, forensics, polls, recount, snapshots, surges

routes = Routes(__name__)


@routes.route("/polls", "POST", json_body=True)
def create_poll() -> Response:
    """Create a poll."""
    request = routes.request()
    actor = require_editor(request)
    poll = polls.create(parse_json_body(request.raw_body, MAX_POLL_BODY_BYTES), actor=actor)
    return json_response(poll.admin_dict(clock.now()), status=201, headers={"Location": f"/polls/{poll.id}"})


@routes.route("/polls", "GET")
def list_polls() -> Response:
    """List polls."""
    request = routes.request()
    require_editor(request)
    status, limit, cursor, search = (query(request, name) for name in ("status", "limit", "cursor", "q"))
    return json_response(polls.list_page(status, limit, cursor, search))


@routes.route("/polls/{poll_id}", "PATCH", json_body=True)
def change_poll(poll_id: str) -> Response:
    """Change, close or reopen a poll."""
    request = routes.request()
    actor = require_editor(request)
    poll = polls.change(poll_id, parse_json_body(request.raw_body, MAX_POLL_BODY_BYTES), actor=actor)
    return json_response(poll.admin_dict(clock.now()))


@routes.route("/polls/{poll_id}", "DELETE")
def delete_poll(poll_id: str) -> Response:
    """Delete a poll and its counters (admins only)."""
    actor = require_admin(routes.request())
    polls.delete(poll_id, actor=actor)
    return empty_response()


@routes.route("/polls/{poll_id}/recount", "POST", json_body=True)
def recount_poll(poll_id: str) -> Response:
    """Recount a poll's ballots against its counters, repairing them on request."""
    request = routes.request()
    actor = require_editor(request)
    fix = recount.parse_request(optional_json_body(request))
    return json_response(recount.recount(poll_id, fix=fix, actor=actor))


@routes.route("/polls/{poll_id}/forensics", "GET")
def poll_forensics(poll_id: str) -> Response:
    """Group a poll's ballots by (hashed) source, busiest first."""
    require_editor(routes.request())
    return json_response(forensics.report(poll_id))


@routes.route("/polls/{poll_id}/void", "POST", json_body=True)
def void_ballots(poll_id: str) -> Response:
    """Void one source's ballots: their votes leave the counters, exactly once."""
    request = routes.request()
    actor = require_admin(request)
    return json_response(forensics.void(poll_id, parse_json_body(request.raw_body), actor=actor))


@routes.route("/polls/{poll_id}/voids", "GET")
def list_voids(poll_id: str) -> Response:
    """List what was voided in a poll, when and why."""
    require_editor(routes.request())
    return json_response(forensics.list_voids(poll_id))


@routes.route("/polls/{poll_id}/surges", "GET")
def list_surges(poll_id: str) -> Response:
    """List a poll's surges (networks and blocks whose proofs cost more now, or lifted) and the surge rule."""
    require_editor(routes.request())
    return json_response(surges.listing(poll_id))


@routes.route("/polls/{poll_id}/surges/lift", "POST", json_body=True)
def lift_surge(poll_id: str) -> Response:
    """Lift a network's or block's surge: its readers' proofs cost the usual again, and the rule leaves it be."""
    request = routes.request()
    actor = require_editor(request)
    return json_response(surges.lift(poll_id, parse_json_body(request.raw_body), actor=actor))


@routes.route("/snapshots", "POST")
def run_snapshots() -> Response:
    """Run the snapshot job now and return its report."""
    actor = require_editor(routes.request())
    return json_response(snapshots.run_by(actor).as_dict())


@routes.route("/exports", "POST", json_body=True)
def export_ballots() -> Response:
    """Export a day's ballots for analytics now (admins only) and return the files written."""
    request = routes.request()
    actor = require_admin(request)
    return json_response(exports.request_export(optional_json_body(request), actor=actor))
