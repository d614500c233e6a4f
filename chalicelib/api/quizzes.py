"""Quiz routes: editors create, list, change and delete quizzes; readers read one, count their score, see scores."""

from __future__ import annotations

from chalice import Response

from chalicelib.api.auth import require_admin, require_editor
from chalicelib.api.requests import parse_json_body, query, source_ip
from chalicelib.api.responses import empty_response, json_response
from chalicelib.api.routing import Routes
from chalicelib.core import caching
from chalicelib.core.languages import requested_language
from chalicelib.runtime.settings import get_settings
from chalicelib.services import quizzes, ratelimit

routes = Routes(__name__)


@routes.route("/quizzes", "POST", json_body=True)
def create_quiz() -> Response:
    """Create a quiz of existing quiz polls."""
    request = routes.request()
    actor = require_editor(request)
    quiz = quizzes.create(parse_json_body(request.raw_body), actor=actor)
    return json_response(quiz.admin_dict(), status=201, headers={"Location": f"/quizzes/{quiz.id}"})


@routes.route("/quizzes", "GET")
def list_quizzes() -> Response:
    """List every quiz."""
    require_editor(routes.request())
    return json_response(quizzes.listing())


@routes.route("/quizzes/{quiz_id}", "GET")
def get_quiz(quiz_id: str) -> Response:
    """Return a quiz as readers see it: title and polls in order, never their answers."""
    lang = requested_language(query(routes.request(), "lang"))
    return json_response(quizzes.public(quiz_id, lang), cache=caching.public(get_settings().poll_max_age))


@routes.route("/quizzes/{quiz_id}", "PATCH", json_body=True)
def change_quiz(quiz_id: str) -> Response:
    """Change a quiz's title or polls."""
    request = routes.request()
    actor = require_editor(request)
    return json_response(quizzes.change(quiz_id, parse_json_body(request.raw_body), actor=actor).admin_dict())


@routes.route("/quizzes/{quiz_id}", "DELETE")
def delete_quiz(quiz_id: str) -> Response:
    """Delete a quiz and its scores (its polls stay; admins only)."""
    quizzes.delete(quiz_id, actor=require_admin(routes.request()))
    return empty_response()


@routes.route("/quizzes/{quiz_id}/score", "POST", json_body=True)
def post_score(quiz_id: str) -> Response:
    """Count a reader's score, worked out from their ballots, once per voter token."""
    request = routes.request()
    ratelimit.check_vote(source_ip(request))
    return json_response(quizzes.score(quiz_id, parse_json_body(request.raw_body)))


@routes.route("/quizzes/{quiz_id}/scores", "GET")
def get_scores(quiz_id: str) -> Response:
    """Return a quiz's score distribution as folded."""
    return json_response(quizzes.scores(quiz_id), cache=caching.public(get_settings().results_max_age))
