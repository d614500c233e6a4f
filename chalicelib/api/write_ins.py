"""Editors' routes for write-in answers: a poll's moderation queue, and a decision on one answer (audited)."""

from __future__ import annotations

from chalice import Response

from chalicelib.api.auth import require_editor
from chalicelib.api.requests import parse_json_body
from chalicelib.api.responses import json_response
from chalicelib.api.routing import Routes
from chalicelib.services import write_ins

routes = Routes(__name__)
MAX_DECISION_BYTES = 4096


@routes.route("/polls/{poll_id}/write-ins", "GET")
def write_in_queue(poll_id: str) -> Response:
    """List a poll's write-in answers with their votes, status, first and last seen and sample spellings."""
    require_editor(routes.request())
    return json_response(write_ins.queue(poll_id))


@routes.route("/polls/{poll_id}/write-ins/{answer_id}", "POST", json_body=True)
def decide_write_in(poll_id: str, answer_id: str) -> Response:
    """Approve (optionally relabelled), merge into an option, or reject a write-in answer."""
    request = routes.request()
    actor = require_editor(request)
    body = parse_json_body(request.raw_body, MAX_DECISION_BYTES)
    return json_response(write_ins.decide(poll_id, answer_id, body, actor=actor))
