"""CORS exposes Retry-After, so the widget on a news site's page can honour it on a 503."""

from __future__ import annotations

import dataclasses

from chalicelib.api import middleware as http_module
from chalicelib.runtime import settings as settings_module


def test_the_api_lets_pages_on_other_origins_read_retry_after(client):
    # The widget honours Retry-After on 503s; a cross-origin page may read it only if it is exposed.
    response = client.http.get("/polls/any-poll", headers={"Origin": "https://news.example"})
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]


def test_restricted_stages_expose_retry_after_to_allowed_origins_only(client, monkeypatch):
    restricted = dataclasses.replace(
        settings_module.get_settings(), stage="prod", cors_origins=("https://www.example-news.com",)
    )
    monkeypatch.setattr(http_module, "get_settings", lambda: restricted)
    allowed = client.http.get("/health", headers={"Origin": "https://www.example-news.com"})
    other = client.http.get("/health", headers={"Origin": "https://evil.example"})
    assert allowed.headers["Access-Control-Expose-Headers"] == "Retry-After"
    assert "Access-Control-Expose-Headers" not in other.headers
