"""API-tier fixtures: AWS on moto with the Chalice test client (tests/support/aws.py), the stage's user pool on moto,
and signed-in editors' headers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chalicelib.core.identity import Group
from chalicelib.runtime import state
from chalicelib.runtime.settings import get_settings
from local.cognito import UserPool, create_user, ensure_user_pool, sign_in
from tests.proofs import CHEAP_POW
from tests.support import aws

# The tier's AWS fixtures (tests/support/aws.py): moto, the Chalice test client, the recorder, the fault injector.
aws_backend, client, calls, faults = aws.aws_backend, aws.client, aws.calls, aws.faults

PASSWORD = "Correct-horse-9"
EDGE_KEY = "edge-key-for-the-api-tests-0001"
EDITOR, ADMIN, STRANGER = "editor@example.com", "admin@example.com", "stranger@example.com"


@pytest.fixture
def user_pool(aws_backend: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[UserPool]:
    """The local stage's editors' pool on moto (an editor, an admin, and a user in no group), set for the app."""
    pool = ensure_user_pool("local", "us-east-1", {EDITOR: (PASSWORD, Group.EDITORS), ADMIN: (PASSWORD, Group.ADMINS)})
    create_user(pool.pool_id, STRANGER, PASSWORD, [])
    for name, value in pool.environment().items():
        monkeypatch.setenv(name, value)
    state.reset_all()
    yield pool
    state.reset_all()


@pytest.fixture
def signed_in(user_pool: UserPool) -> Callable[[str], dict[str, str]]:
    """Headers of a request by a user of the pool, signed in with USER_PASSWORD_AUTH as the console does."""

    def headers(email: str) -> dict[str, str]:
        token = sign_in(user_pool, email, PASSWORD)
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    return headers


@pytest.fixture
def editor(signed_in: Callable[[str], dict[str, str]]) -> dict[str, str]:
    """An editor's headers (group `editors`)."""
    return signed_in(EDITOR)


@pytest.fixture
def admin(signed_in: Callable[[str], dict[str, str]]) -> dict[str, str]:
    """An admin's headers (group `admins`)."""
    return signed_in(ADMIN)


@pytest.fixture
def stranger(signed_in: Callable[[str], dict[str, str]]) -> dict[str, str]:
    """Headers of a user of the pool in neither group."""
    return signed_in(STRANGER)


def audit_entries(client: Any, headers: dict[str, str], poll_id: str | None = None) -> list[dict[str, Any]]:
    """Return the newest audit entries (one poll's when given)."""
    path = f"/audit?poll_id={poll_id}&limit=100" if poll_id else "/audit?limit=100"
    response = client.http.get(path, headers=headers)
    assert response.status_code == 200, response.body
    return list(response.json_body["entries"])


@pytest.fixture
def edge_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run the API as a stage behind the CDN: requests carrying this key as X-Origin-Verify come from the edge."""
    monkeypatch.setenv("EDGE_KEY", EDGE_KEY)
    state.reset_all()
    yield EDGE_KEY
    state.reset_all()


@pytest.fixture
def cheap(monkeypatch: pytest.MonkeyPatch, client: Any) -> Any:
    """The test client on a stage whose proofs of work are cheap to solve (tests not about their cost)."""
    for name, value in CHEAP_POW.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return client
