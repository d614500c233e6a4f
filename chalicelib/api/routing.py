"""Route registration: every view's domain errors become the API's error responses in one place."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, cast

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.api.responses import error_response
from chalicelib.core.errors import DomainError

JSON_BODIES = ["application/json", "text/plain"]  # text/plain lets browsers skip the preflight

View = Callable[..., Response]


class Routes:
    """A set of views that becomes a Chalice Blueprint, each view answering domain errors as API errors."""

    def __init__(self, import_name: str) -> None:
        self._import_name = import_name
        self._views: list[tuple[str, dict[str, Any], View]] = []
        self._blueprint: Blueprint | None = None

    def route(
        self, path: str, method: str, json_body: bool = False, content_types: list[str] | None = None
    ) -> Callable[[View], View]:
        """Declare a view for one method of a path; with json_body it accepts JSON (or text/plain) bodies."""
        options: dict[str, Any] = {"methods": [method]}
        if json_body or content_types:
            options["content_types"] = JSON_BODIES if json_body else content_types

        def declare(view: View) -> View:
            self._views.append((path, options, view))
            return view

        return declare

    def blueprint(self) -> Blueprint:
        """Build a Blueprint of the declared views for an app to register (a new one per app)."""
        blueprint = Blueprint(self._import_name)
        for path, options, view in self._views:
            blueprint.route(path, **dict(options))(_answering(view))
        self._blueprint = blueprint
        return blueprint

    def request(self) -> Request:
        """Return the request being served (Chalice sets it before calling a view)."""
        assert self._blueprint is not None, "the views are served only once an app registered the blueprint"
        return cast(Request, self._blueprint.current_request)


def _answering(view: View) -> View:
    """Wrap a view so that its domain errors become the API's error responses."""

    @functools.wraps(view)
    def answering(**params: Any) -> Response:
        try:
            return view(**params)
        except DomainError as error:
            return error_response(error)

    return answering
