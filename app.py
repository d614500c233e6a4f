"""The Chalice app: routes and the schedule, wired to functions in chalicelib."""

from typing import cast

from chalice import Chalice, Rate, Response
from chalice.app import Request

from chalicelib import handlers, http
from chalicelib.settings import snapshot_rate_minutes

app = Chalice(app_name="polls")
app.register_middleware(http.middleware, "http")

JSON_BODIES = ["application/json", "text/plain"]  # text/plain lets browsers skip the preflight


def request() -> Request:
    """Return the request being served (Chalice sets it before calling a route)."""
    return cast(Request, app.current_request)


@app.route("/health", methods=["GET"])
def health() -> Response:
    return handlers.health()


@app.route("/polls", methods=["POST"], content_types=JSON_BODIES)
def create_poll() -> Response:
    return handlers.create_poll(request())


@app.route("/polls", methods=["GET"])
def list_polls() -> Response:
    return handlers.list_polls(request())


@app.route("/polls/{poll_id}", methods=["GET"])
def get_poll(poll_id: str) -> Response:
    return handlers.get_poll(poll_id)


@app.route("/polls/{poll_id}", methods=["PATCH"], content_types=JSON_BODIES)
def change_poll(poll_id: str) -> Response:
    return handlers.change_poll(request(), poll_id)


@app.route("/polls/{poll_id}", methods=["DELETE"])
def delete_poll(poll_id: str) -> Response:
    return handlers.delete_poll(request(), poll_id)


@app.route("/polls/{poll_id}/votes", methods=["POST"], content_types=JSON_BODIES)
def cast_vote(poll_id: str) -> Response:
    return handlers.cast_vote(request(), poll_id)


@app.route("/polls/{poll_id}/results", methods=["GET"])
def get_results(poll_id: str) -> Response:
    return handlers.get_results(request(), poll_id)


@app.route("/polls/{poll_id}/recount", methods=["POST"], content_types=JSON_BODIES)
def recount_poll(poll_id: str) -> Response:
    return handlers.recount_poll(request(), poll_id)


@app.route("/snapshots", methods=["POST"])
def run_snapshots() -> Response:
    return handlers.run_snapshots(request())


@app.schedule(Rate(snapshot_rate_minutes(), unit=Rate.MINUTES), name="snapshot_results")
def snapshot_results(event: object) -> dict[str, object]:
    return handlers.scheduled_snapshots()


# API Gateway answers OPTIONS only for routes that declare it: one preflight view per path.
for _index, _path in enumerate(sorted(app.routes)):
    app.route(_path, methods=["OPTIONS"], name=f"preflight_{_index}")(lambda **_: http.preflight())
