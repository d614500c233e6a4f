"""Stage settings read from the environment once per process and validated when loaded."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar
from urllib.parse import urlsplit

from chalicelib.core.audience import DEFAULT_MIN_GROUP, DEFAULT_NOISE
from chalicelib.core.pages import ACCENT_RE, DEFAULT_ACCENT, DEFAULT_NAME
from chalicelib.core.poll import DEFAULT_PROOF_ALGORITHM, ProofAlgorithm
from chalicelib.core.private_tokens import TokenIssuer, TokenRefused, from_b64url, public_key
from chalicelib.core.surges import SurgeRule
from chalicelib.core.write_ins import WRITE_IN_LIMIT
from chalicelib.runtime import state

T = TypeVar("T", int, float)
# Proof of work (PBKDF2/SHA-256): the counter a reader must find is drawn from [0, POW_SPREAD), each step
# POW_COST iterations; 200 x 5,000 iterations on average is about 0.25 CPU-seconds (BENCHMARKS.md, stuffing drill).
POW_COST, POW_SPREAD = 5000, 400
# Proof of work (scrypt, r=8, p=1): N = SCRYPT_COST (4 MiB at 4096), the counter drawn from [0, SCRYPT_SPREAD);
# about 10 ms a step in Chromium's WebAssembly here, so 40 steps on average (BENCHMARKS.md, stuffing drill).
SCRYPT_COST, SCRYPT_SPREAD, MAX_SCRYPT_COST = 4096, 80, 65536
TURNSTILE_VERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify"


USER_POOL_ID_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]_[0-9A-Za-z]+")
CLIENT_ID_RE = re.compile(r"[0-9A-Za-z]{1,128}")
MAX_SITE_NAME = 80
ISSUER_NAME_RE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
STREAM_ARN_RE = re.compile(r"arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+/stream/\S+")


class SettingsError(ValueError):
    """A setting has a value the service cannot run with; the message names the variable."""


def _number(name: str, default: T, convert: Callable[[str], T], low: T, high: T) -> T:
    """Read a number from the environment, within [low, high], or raise SettingsError naming it."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = convert(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a number from {low} to {high}, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be a number from {low} to {high}, not {raw[:40]!r}")
    return value


def _int(name: str, default: int, low: int, high: int) -> int:
    """Read an integer setting."""
    return _number(name, default, int, low, high)


def _float(name: str, default: float, low: float, high: float) -> float:
    """Read a decimal setting."""
    return _number(name, default, float, low, high)


def _user_pool_id() -> str | None:
    """Read USER_POOL_ID (`<region>_<id>`), if set."""
    value = (os.environ.get("USER_POOL_ID") or "").strip()
    if value and not USER_POOL_ID_RE.fullmatch(value):
        raise SettingsError(f"USER_POOL_ID must look like us-east-1_AbC123, not {value[:40]!r}")
    return value or None


def _client_ids() -> tuple[str, ...]:
    """Read USER_POOL_CLIENT_IDS (comma-separated app client ids)."""
    ids = tuple(c.strip() for c in os.environ.get("USER_POOL_CLIENT_IDS", "").split(",") if c.strip())
    for client_id in ids:
        if not CLIENT_ID_RE.fullmatch(client_id):
            raise SettingsError(f"USER_POOL_CLIENT_IDS must list app client ids, not {client_id[:40]!r}")
    return ids


def _url(name: str, default: str) -> str:
    """Read an http(s) URL setting."""
    value = (os.environ.get(name) or default).strip()
    if not value.startswith(("https://", "http://")):
        raise SettingsError(f"{name} must be an http(s) URL, not {value[:40]!r}")
    return value


def _site_name(site_url: str | None) -> str:
    """Read SITE_NAME (the name pages and cards show); unset, the SITE_URL's host, else a generic name."""
    value = (os.environ.get("SITE_NAME") or "").strip()
    if len(value) > MAX_SITE_NAME or any(not char.isprintable() for char in value):
        raise SettingsError(f"SITE_NAME must be 1 to {MAX_SITE_NAME} printable characters, not {value[:40]!r}")
    if value:
        return value
    host = urlsplit(site_url).hostname if site_url else None
    return host or DEFAULT_NAME


def _accent_colour() -> str:
    """Read ACCENT_COLOUR (#rrggbb), lower-cased."""
    value = (os.environ.get("ACCENT_COLOUR") or "").strip() or DEFAULT_ACCENT
    if not ACCENT_RE.fullmatch(value):
        raise SettingsError(f"ACCENT_COLOUR must be a colour such as #0b5cad, not {value[:40]!r}")
    return value.lower()


def _private_token_issuers() -> tuple[TokenIssuer, ...]:
    """Read PRIVATE_TOKEN_ISSUERS: `issuer=token-key` pairs (base64url SPKI, RFC 9578), comma-separated; unset: off."""
    issuers = []
    for entry in (e.strip() for e in os.environ.get("PRIVATE_TOKEN_ISSUERS", "").split(",")):
        if not entry:
            continue
        name, _, key = entry.partition("=")
        if not ISSUER_NAME_RE.fullmatch(name.strip()):
            raise SettingsError(f"PRIVATE_TOKEN_ISSUERS must list issuer=token-key pairs, not {entry[:40]!r}")
        try:
            der = from_b64url(key)
            public_key(der)
        except TokenRefused as exc:
            raise SettingsError(f"PRIVATE_TOKEN_ISSUERS: {name.strip()}'s key is not usable: {exc}") from None
        issuers.append(TokenIssuer(name=name.strip(), key=der))
    return tuple(issuers)


@dataclass(frozen=True)
class Settings:
    """Everything that differs between stages."""

    stage: str
    region: str
    endpoint_url: str | None
    polls_table: str
    ballots_table: str
    guards_table: str
    results_bucket: str
    cors_origins: tuple[str, ...]
    results_max_age: int
    poll_max_age: int
    poll_cache_seconds: float
    results_cache_seconds: float
    retention_days: int
    open_ended_days: int
    secret_id: str | None
    audit_table: str
    user_pool_id: str | None  # editors sign in through this Cognito user pool; None: the service token only
    user_pool_client_ids: tuple[str, ...]  # the app clients (the console) whose tokens the API accepts
    identity_cache_seconds: float  # how long a verified sign-in token is trusted before Cognito is asked again
    vote_attempts: int
    snapshot_max_age: int
    snapshot_rate_minutes: int
    vote_rate_per_second: float
    vote_burst: float
    address_prefix_v4: int
    address_prefix_v6: int
    proof_algorithm: ProofAlgorithm  # the proof of work of new polls that name none
    pow_cost: int
    pow_spread: int
    scrypt_cost: int  # N, a power of two
    scrypt_spread: int
    challenge_seconds: int
    private_token_issuers: tuple[TokenIssuer, ...]  # Privacy Pass issuers whose tokens buy a cheaper proof; (): off
    private_token_divisor: int  # a valid token divides the proof's cost by this
    turnstile_verify_url: str
    ballots_stream_arn: str  # the ballots table's stream: folded into the polls' tallies
    polls_stream_arn: str  # the polls table's stream: its tallies' changes rewrite the results documents
    edge_secret_id: str | None  # the secret CloudFront sends as X-Origin-Verify; None: EDGE_KEY or no edge
    stream_batch_seconds: int  # how long the results publisher gathers tally changes before one run
    fold_batch_seconds: int  # how long the fold gathers ballots before one run (the fold's lag)
    site_url: str | None  # the site's public URL (CloudFront or a custom domain), for the hosted pages' links
    site_name: str  # the name the hosted pages and cards show (SITE_NAME, else the site's host)
    accent_colour: str  # #rrggbb: the pages' and cards' accent
    card_every: int  # seconds: a poll's share cards follow its counts at most this often (on AWS: whole minutes)
    audience_min_group: int  # voters a group needs to be shown on its own in the audience breakdowns
    audience_noise: int  # the mean size of the keyed noise on each count the audience shows (0: exact)
    surge_rule: SurgeRule  # when a network or block surges (core/surges.py; SURGE_* settings)
    write_in_limit: int  # distinct write-in answers a poll keeps; votes for later new ones count unlisted in Other


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the settings of the running stage (read and validated once per process)."""
    stage = os.environ.get("STAGE", "local")
    site_url = _url("SITE_URL", "https://unset").rstrip("/") if os.environ.get("SITE_URL") else None
    origins = os.environ.get("CORS_ALLOW_ORIGINS", "*" if stage == "local" else "")
    return Settings(
        stage=stage,
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None,
        polls_table=os.environ.get("POLLS_TABLE", f"polls-v2-{stage}"),
        ballots_table=os.environ.get("BALLOTS_TABLE", f"poll-ballots-v2-{stage}"),
        guards_table=os.environ.get("GUARDS_TABLE", f"poll-guards-{stage}"),
        results_bucket=os.environ.get("RESULTS_BUCKET", f"poll-results-{stage}"),
        cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        results_max_age=_int("RESULTS_MAX_AGE", 5, 0, 86400),
        poll_max_age=_int("POLL_MAX_AGE", 30, 0, 86400),
        poll_cache_seconds=_float("POLL_CACHE_SECONDS", 1.0, 0, 60),
        results_cache_seconds=_float("RESULTS_CACHE_SECONDS", 1.0, 0, 3600),
        retention_days=_int("RETENTION_DAYS", 30, 1, 3650),
        open_ended_days=_int("OPEN_ENDED_DAYS", 365, 1, 3650),
        secret_id=os.environ.get("SECRET_ID") or None,
        audit_table=os.environ.get("AUDIT_TABLE", f"poll-audit-{stage}"),
        user_pool_id=_user_pool_id(),
        user_pool_client_ids=_client_ids(),
        identity_cache_seconds=_float("IDENTITY_CACHE_SECONDS", 30.0, 0, 300),
        vote_attempts=_int("VOTE_ATTEMPTS", 4, 1, 10),
        snapshot_max_age=_int("SNAPSHOT_MAX_AGE", 30, 0, 86400),
        snapshot_rate_minutes=_int("SNAPSHOT_RATE_MINUTES", 1, 1, 1440),
        vote_rate_per_second=_float("VOTE_RATE_PER_SECOND", 2.0, 0, 1_000_000),
        vote_burst=_float("VOTE_BURST", 30.0, 0, 1_000_000),
        address_prefix_v4=_int("ADDRESS_PREFIX_V4", 32, 8, 32),
        address_prefix_v6=_int("ADDRESS_PREFIX_V6", 64, 16, 128),
        proof_algorithm=_proof_algorithm(),
        pow_cost=_int("POW_COST", POW_COST, 1, 10_000_000),
        pow_spread=_int("POW_SPREAD", POW_SPREAD, 1, 1_000_000),
        scrypt_cost=_scrypt_cost(),
        scrypt_spread=_int("SCRYPT_SPREAD", SCRYPT_SPREAD, 1, 1_000_000),
        challenge_seconds=_int("CHALLENGE_SECONDS", 300, 30, 3600),
        private_token_issuers=_private_token_issuers(),
        private_token_divisor=_int("PRIVATE_TOKEN_DIVISOR", 10, 1, 1000),
        turnstile_verify_url=_url("TURNSTILE_VERIFY_URL", TURNSTILE_VERIFY_URL),
        ballots_stream_arn=_stream_arn("BALLOTS_STREAM_ARN", "BALLOTS_TABLE", f"poll-ballots-v2-{stage}"),
        polls_stream_arn=_stream_arn("POLLS_STREAM_ARN", "POLLS_TABLE", f"polls-v2-{stage}"),
        edge_secret_id=os.environ.get("EDGE_SECRET_ID") or None,
        stream_batch_seconds=_int("STREAM_BATCH_SECONDS", 2, 0, 300),
        fold_batch_seconds=_int("FOLD_BATCH_SECONDS", 1, 0, 300),
        site_url=site_url,
        site_name=_site_name(site_url),
        accent_colour=_accent_colour(),
        card_every=_int("CARD_EVERY", 60, 1, 3600),
        audience_min_group=_int("AUDIENCE_MIN_GROUP", DEFAULT_MIN_GROUP, 2, 10_000),
        audience_noise=_int("AUDIENCE_NOISE", DEFAULT_NOISE, 0, 100),
        surge_rule=_surge_rule(),
        write_in_limit=_int("WRITE_IN_LIMIT", WRITE_IN_LIMIT, 1, WRITE_IN_LIMIT),
    )


def _surge_rule() -> SurgeRule:
    """Read the surge rule's SURGE_* settings (each defaults to SurgeRule's); level 2 must be the stricter."""
    default = SurgeRule()
    rule = SurgeRule(
        window=_int("SURGE_WINDOW_MINUTES", default.window, 1, 60),
        trailing=_int("SURGE_TRAILING_MINUTES", default.trailing, 5, 1440),
        factor=_float("SURGE_FACTOR", default.factor, 1, 10_000),
        floor=_int("SURGE_FLOOR", default.floor, 1, 10_000_000),
        factor_2=_float("SURGE_FACTOR_2", default.factor_2, 1, 10_000),
        floor_2=_int("SURGE_FLOOR_2", default.floor_2, 1, 10_000_000),
        cooldown=_int("SURGE_COOLDOWN_MINUTES", default.cooldown, 1, 1440),
        hold=_int("SURGE_LIFT_MINUTES", default.hold, 1, 10_080),
    )
    if rule.factor_2 < rule.factor or rule.floor_2 < rule.floor:
        raise SettingsError("SURGE_FACTOR_2 and SURGE_FLOOR_2 must be at least SURGE_FACTOR and SURGE_FLOOR")
    return rule


def _proof_algorithm() -> ProofAlgorithm:
    """Read PROOF_ALGORITHM (pbkdf2 or scrypt): the proof of work new polls get unless they name one."""
    value = (os.environ.get("PROOF_ALGORITHM") or "").strip() or DEFAULT_PROOF_ALGORITHM.value
    if value not in ProofAlgorithm._value2member_map_:
        raise SettingsError(f"PROOF_ALGORITHM must be one of {', '.join(ProofAlgorithm)}, not {value[:40]!r}")
    return ProofAlgorithm(value)


def _scrypt_cost() -> int:
    """Read SCRYPT_COST: scrypt's N, a power of two from 4 to MAX_SCRYPT_COST (64 MiB at r=8)."""
    value = _int("SCRYPT_COST", SCRYPT_COST, 4, MAX_SCRYPT_COST)
    if value & (value - 1):
        raise SettingsError(f"SCRYPT_COST must be a power of two from 4 to {MAX_SCRYPT_COST}, not {value}")
    return value


def _stream_arn(name: str, table_variable: str, table: str) -> str:
    """Read a stream ARN setting; unset, a placeholder naming the table (the packaged template puts the real one)."""
    value = (os.environ.get(name) or "").strip()
    if not value:
        table = os.environ.get(table_variable, table)
        return f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}/stream/unset"
    if not STREAM_ARN_RE.fullmatch(value):
        raise SettingsError(f"{name} must be a DynamoDB stream ARN, not {value[:60]!r}")
    return value


def user_pool_issuer(settings: Settings) -> str | None:
    """Return the `iss` claim of the stage's user pool's tokens, or None without a pool."""
    if settings.user_pool_id is None:
        return None
    region = settings.user_pool_id.split("_", 1)[0]
    return f"https://cognito-idp.{region}.amazonaws.com/{settings.user_pool_id}"


state.register("settings", get_settings.cache_clear)
