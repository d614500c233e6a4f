"""Private Access Tokens at the challenge route: offer Privacy Pass challenges, redeem a token for a cheaper proof.

No database: a TokenChallenge's redemption context is a keyed hash of the poll and a time slot, so a token is
checked by recomputing the challenges of this slot and the one before. What stops a replayed token from buying
more than one vote is the vote itself: it spends the token's id put-if-absent in its one transaction.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

from chalicelib.core.errors import PrivateTokenInvalid
from chalicelib.core.private_tokens import (
    TokenIssuer,
    TokenRefused,
    parse_token,
    token_challenge,
    token_from_authorization,
    token_id,
    verify,
    www_authenticate,
)
from chalicelib.runtime import clock
from chalicelib.runtime.secrets import keyed_hash
from chalicelib.runtime.settings import get_settings
from chalicelib.services import catalog

HOST_RE = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")


def _slot() -> int:
    """Return the current time slot (one challenge lifetime long)."""
    return int(clock.now()) // get_settings().challenge_seconds


def _origin(host: str | None) -> str:
    """Return the origin_info a challenge names: the site's host where the stage has one (readers reach the API
    through it, and CloudFront does not pass their Host on), else the Host they called (empty if unusable)."""
    site = get_settings().site_url
    host = urlsplit(site).netloc if site else host
    return host.lower() if host and HOST_RE.fullmatch(host) else ""


def _challenge(issuer: TokenIssuer, poll_id: str, slot: int, origin: str) -> bytes:
    """Return the TokenChallenge of one issuer for a poll and slot (its redemption context: a keyed hash)."""
    context = bytes.fromhex(keyed_hash("private-token", poll_id, str(slot)))
    return token_challenge(issuer.name, context, origin)


def offer(poll_id: str, host: str | None) -> dict[str, str]:
    """Return the WWW-Authenticate header offering each trusted issuer's challenge ({} when tokens are off)."""
    issuers = get_settings().private_token_issuers
    if not issuers:
        return {}
    slot, origin = _slot(), _origin(host)
    return {"WWW-Authenticate": www_authenticate([(_challenge(i, poll_id, slot, origin), i) for i in issuers])}


def redeem(poll_id: str, host: str | None, authorization: str | None) -> str | None:
    """Return the keyed id of a valid token the reader presents (None without one, or with tokens off); refuse
    a malformed or forged token, one for another key, or one answering another poll's, origin's or an old challenge."""
    issuers = get_settings().private_token_issuers
    if not issuers or authorization is None:
        return None
    catalog.poll(poll_id)  # an unknown poll is not found, token or not (the process cache: no request when warm)
    try:
        raw = token_from_authorization(authorization)
        if raw is None:
            return None
        token = parse_token(raw)
        issuer = next((i for i in issuers if i.key_id == token.key_id), None)
        if issuer is None:
            raise TokenRefused("the token's key is not one of this stage's issuers'")
        slot, origin = _slot(), _origin(host)
        digests = {hashlib.sha256(_challenge(issuer, poll_id, s, origin)).digest() for s in (slot, slot - 1)}
        if token.challenge_digest not in digests:
            raise TokenRefused("the token answers another challenge (another poll's or origin's, or an expired one)")
        verify(token, issuer)
    except TokenRefused as exc:
        raise PrivateTokenInvalid(f"the Private Access Token is refused: {exc}", headers=offer(poll_id, host)) from exc
    return keyed_hash("private-token-id", token_id(token))
