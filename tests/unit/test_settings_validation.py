"""Settings are validated when loaded: a wrong value names its variable; the registry resets a process."""

from __future__ import annotations

import pytest

from chalicelib.runtime import state
from chalicelib.runtime.settings import SettingsError, get_settings


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VOTE_ATTEMPTS", "0"),
        ("VOTE_ATTEMPTS", "eleven"),
        ("RETENTION_DAYS", "thirty"),
        ("RESULTS_CACHE_SECONDS", "-1"),
        ("POLL_CACHE_SECONDS", "soon"),
        ("SNAPSHOT_RATE_MINUTES", "0"),
    ],
)
def test_a_bad_setting_fails_at_load_naming_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    state.reset_all()
    with pytest.raises(SettingsError, match=name):
        get_settings()
    monkeypatch.delenv(name)
    state.reset_all()


def test_unset_settings_take_their_defaults(monkeypatch):
    monkeypatch.delenv("VOTE_ATTEMPTS", raising=False)
    state.reset_all()
    assert get_settings().vote_attempts == 4


def test_one_call_resets_every_piece_of_process_state():
    import chalicelib.services.catalog  # noqa: F401 - registers its caches
    import chalicelib.store.adapters  # noqa: F401

    assert {"settings", "secrets", "clients", "catalog", "adapters"} <= set(state.registered())
