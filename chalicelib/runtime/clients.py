"""Lazily created boto3 clients, one per service per process."""

from __future__ import annotations

import threading
from typing import Any

from botocore.config import Config

from chalicelib.runtime import state
from chalicelib.runtime.settings import get_settings

_lock = threading.Lock()
_clients: dict[str, Any] = {}
_session: Any = None

# Standard retry mode: exponential backoff with jitter for throttling and transient errors.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


def client(service: str) -> Any:
    """Return this process's boto3 client for a service, creating it on first use."""
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:
        if service not in _clients:
            import boto3  # noqa: PLC0415 - keep boto3 out of the import path of cold starts that do not need it

            global _session
            if _session is None:
                _session = boto3.session.Session()  # one per process: service models load once
            settings = get_settings()
            _clients[service] = _session.client(
                service,
                region_name=settings.region,
                endpoint_url=settings.endpoint_url,
                config=_CONFIG,
            )
        return _clients[service]


def reset() -> None:
    """Forget the cached clients (tests start a fresh mock per test)."""
    with _lock:
        _clients.clear()


state.register("clients", reset)
