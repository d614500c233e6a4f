"""Editors' read-only routes for the console: the audit log, a poll's votes over time and audience, its results as
CSV."""

from __future__ import annotations

from chalice import Response

from chalicelib.api.auth import require_editor
from chalicelib.api.requests import query
from chalicelib.api.responses import json_response
from chalicelib.api.routing import Routes
from chalicelib.core.caching import NO_STORE
from chalicelib.core.counts import results_csv, results_document
from chalicelib.runtime import clock
from chalicelib.services import audience, audit, history, polls, results

routes = Routes(__name__)


@routes.route("/audit", "GET")
def audit_log() -> Response:
    """List audit entries newest first, all of them or one poll's."""
    request = routes.request()
    require_editor(request)
    return json_response(audit.page(query(request, "poll_id"), query(request, "limit"), query(request, "cursor")))


@routes.route("/polls/{poll_id}/admin", "GET")
def admin_poll(poll_id: str) -> Response:
    """Return the full poll editors see (blocking, limits, creation time), read fresh from the store."""
    require_editor(routes.request())
    return json_response(polls.get_fresh(poll_id).admin_dict(clock.now()))


@routes.route("/polls/{poll_id}/history", "GET")
def poll_history(poll_id: str) -> Response:
    """Return a poll's per-minute totals from the results history, for a chart."""
    request = routes.request()
    require_editor(request)
    return json_response(history.history(poll_id, query(request, "points")))


@routes.route("/polls/{poll_id}/audience", "GET")
def poll_audience(poll_id: str) -> Response:
    """Return where a poll's voters came from (country, site, surface) and when, small groups merged."""
    require_editor(routes.request())
    return json_response(audience.report(poll_id))


@routes.route("/polls/{poll_id}/audience.csv", "GET")
def audience_as_csv(poll_id: str) -> Response:
    """Return a poll's audience as a CSV download."""
    require_editor(routes.request())
    return _csv(audience.report_csv(poll_id), f"{poll_id}-audience.csv")


def _csv(body: bytes, filename: str) -> Response:
    """Answer with a CSV download, never cached."""
    return Response(
        body=body.decode("utf-8"),  # a text body (the BOM kept as U+FEFF)
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": NO_STORE,
        },
    )


@routes.route("/polls/{poll_id}/results.csv", "GET")
def results_as_csv(poll_id: str) -> Response:
    """Return a poll's current results as a CSV download (the snapshot's format), whatever its visibility."""
    require_editor(routes.request())
    tally = results.current(poll_id)  # editors see the results whatever their visibility
    body = results_csv(results_document(tally, clock.now()), tally.poll.disclaimer_in(None))
    return _csv(body, f"{poll_id}-results.csv")
