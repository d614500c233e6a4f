"""Stage settings read from the environment, and the secrets they point to."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from functools import lru_cache

from chalicelib.errors import ServiceUnavailable

# A fixed HMAC key is acceptable only on the local stage, where nothing is real.
_LOCAL_HMAC_KEY = "local-stage-hmac-key-not-a-secret"
MIN_ADMIN_TOKEN = 24  # deployed stages refuse shorter admin tokens


def _int(name: str, default: int) -> int:
    """Read an integer environment variable."""
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    """Read a float environment variable."""
    return float(os.environ.get(name, default))


@dataclass(frozen=True)
class Settings:
    """Everything that differs between stages."""

    stage: str
    region: str
    endpoint_url: str | None
    polls_table: str
    counters_table: str
    ballots_table: str
    results_bucket: str
    cors_origins: tuple[str, ...]
    results_max_age: int
    poll_max_age: int
    poll_cache_seconds: float
    results_cache_seconds: float
    retention_days: int
    open_ended_days: int
    secret_id: str | None
    vote_attempts: int
    snapshot_max_age: int
    vote_rate_per_second: float
    vote_burst: float


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the settings of the running stage (read once per process)."""
    stage = os.environ.get("STAGE", "local")
    origins = os.environ.get("CORS_ALLOW_ORIGINS", "*" if stage == "local" else "")
    return Settings(
        stage=stage,
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None,
        polls_table=os.environ.get("POLLS_TABLE", f"polls-{stage}"),
        counters_table=os.environ.get("COUNTERS_TABLE", f"poll-counters-{stage}"),
        ballots_table=os.environ.get("BALLOTS_TABLE", f"poll-ballots-{stage}"),
        results_bucket=os.environ.get("RESULTS_BUCKET", f"poll-results-{stage}"),
        cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        results_max_age=_int("RESULTS_MAX_AGE", 5),
        poll_max_age=_int("POLL_MAX_AGE", 30),
        poll_cache_seconds=_float("POLL_CACHE_SECONDS", 10.0),
        results_cache_seconds=_float("RESULTS_CACHE_SECONDS", 1.0),
        retention_days=_int("RETENTION_DAYS", 30),
        open_ended_days=_int("OPEN_ENDED_DAYS", 365),
        secret_id=os.environ.get("SECRET_ID") or None,
        vote_attempts=_int("VOTE_ATTEMPTS", 4),
        snapshot_max_age=_int("SNAPSHOT_MAX_AGE", 30),
        vote_rate_per_second=_float("VOTE_RATE_PER_SECOND", 2.0),
        vote_burst=_float("VOTE_BURST", 30.0),
    )


def snapshot_rate_minutes() -> int:
    """Return how often the snapshot job runs; read when the app is loaded (deploy time)."""
    return max(1, _int("SNAPSHOT_RATE_MINUTES", 1))


@dataclass(frozen=True)
class Secrets:
    """The admin token and the key used to hash voter tokens and IPs."""

    admin_token: str | None
    hmac_key: bytes


_secrets_lock = threading.Lock()
_secrets: Secrets | None = None


def _load_secret_document(secret_id: str) -> dict[str, str]:
    """Fetch the stage's secret (a JSON document) from Secrets Manager."""
    from chalicelib.aws import client  # noqa: PLC0415 - only deployed stages need it

    try:
        raw = client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
        document = json.loads(raw)
    except Exception as exc:  # botocore or JSON: either way the stage cannot serve
        raise ServiceUnavailable("configuration is unavailable") from exc
    if not isinstance(document, dict):
        raise ServiceUnavailable("configuration is unavailable")
    return document


def get_secrets() -> Secrets:
    """Return the stage's secrets: env vars locally, Secrets Manager when SECRET_ID is set."""
    global _secrets
    if _secrets is not None:
        return _secrets
    with _secrets_lock:
        if _secrets is None:
            settings = get_settings()
            token = os.environ.get("POLL_ADMIN_TOKEN") or None
            key = os.environ.get("POLL_HMAC_KEY") or None
            if settings.secret_id and (token is None or key is None):
                document = _load_secret_document(settings.secret_id)
                token = token or document.get("admin_token") or None
                key = key or document.get("hmac_key") or None
            if key is None and settings.stage == "local":
                key = _LOCAL_HMAC_KEY
            if not key:
                raise ServiceUnavailable("configuration is unavailable")
            if settings.stage != "local" and token is not None and len(token) < MIN_ADMIN_TOKEN:
                token = None  # a placeholder or weak token disables the admin routes instead of guarding them
            _secrets = Secrets(admin_token=token, hmac_key=key.encode())
    return _secrets


def reset() -> None:
    """Forget cached settings and secrets (tests and the local runner change the environment)."""
    global _secrets
    get_settings.cache_clear()
    with _secrets_lock:
        _secrets = None
