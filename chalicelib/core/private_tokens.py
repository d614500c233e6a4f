"""Privacy Pass tokens (RFC 9577 and 9578, type 0x0002: publicly verifiable, blind RSA 2048): the wire formats.

A TokenChallenge names the issuer, a redemption context (ours: stateless, see services/private_tokens.py) and the
origin; a Token carries the digest of the challenge it answers, the issuer key's id and an RSASSA-PSS signature
(SHA-384, MGF1-SHA-384, 48-byte salt) over its first 98 bytes. `cryptography` verifies it, imported only when a
token is checked (it comes from the token layer on Lambda, never the API's zip).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

TOKEN_TYPE = 0x0002  # blind RSA (2048-bit), publicly verifiable
NONCE_BYTES = DIGEST_BYTES = KEY_ID_BYTES = 32
AUTHENTICATOR_BYTES = 256  # the 2048-bit modulus
TOKEN_INPUT_BYTES = 2 + NONCE_BYTES + DIGEST_BYTES + KEY_ID_BYTES
TOKEN_BYTES = TOKEN_INPUT_BYTES + AUTHENTICATOR_BYTES
SALT_BYTES = 48
SCHEME = "PrivateToken"
MAX_HEADER = 2048  # a token is 472 base64url characters; anything far longer is not one
BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_PARAMETER = re.compile(r'\s*([A-Za-z-]+)\s*=\s*("([^"]*)"|[^\s,]*)\s*(,|$)')


class TokenRefused(ValueError):
    """A token that is malformed, of another type, for another key or challenge, or badly signed."""


@dataclass(frozen=True)
class TokenIssuer:
    """An issuer a stage trusts: its name (as in its challenges) and one of its token keys (SPKI, DER)."""

    name: str
    key: bytes

    @property
    def key_id(self) -> bytes:
        """Return the key's token_key_id: SHA-256 of its SubjectPublicKeyInfo encoding."""
        return hashlib.sha256(self.key).digest()


@dataclass(frozen=True)
class Token:
    """A parsed type 0x0002 token."""

    nonce: bytes
    challenge_digest: bytes
    key_id: bytes
    authenticator: bytes
    token_input: bytes


def b64url(data: bytes) -> str:
    """Encode bytes as base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    """Decode base64url with or without padding, or raise TokenRefused."""
    text = text.strip().rstrip("=")
    if not BASE64URL.fullmatch(text):
        raise TokenRefused("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenRefused("not base64url") from exc


def _opaque(data: bytes, length_bytes: int) -> bytes:
    """Return a TLS-presentation variable-length vector: its length, then the bytes."""
    return len(data).to_bytes(length_bytes, "big") + data


def token_challenge(issuer: str, redemption_context: bytes, origin: str) -> bytes:
    """Encode a TokenChallenge (RFC 9577 2.1.1) for a type 0x0002 token."""
    if len(redemption_context) not in (0, 32):
        raise ValueError("a redemption context is empty or 32 bytes")
    return (
        TOKEN_TYPE.to_bytes(2, "big")
        + _opaque(issuer.encode("ascii"), 2)
        + _opaque(redemption_context, 1)
        + _opaque(origin.encode("ascii"), 2)
    )


def www_authenticate(challenges: list[tuple[bytes, TokenIssuer]]) -> str:
    """Return a WWW-Authenticate value offering each challenge with its issuer's token key."""
    offers = (f'{SCHEME} challenge="{b64url(challenge)}", token-key="{b64url(i.key)}"' for challenge, i in challenges)
    return ", ".join(offers)


def token_from_authorization(value: str | None) -> bytes | None:
    """Return the token an `Authorization: PrivateToken token=...` header presents, None for any other scheme."""
    scheme, _, rest = (value or "").strip().partition(" ")
    if scheme.lower() != SCHEME.lower():
        return None
    if len(rest) > MAX_HEADER:
        raise TokenRefused("the PrivateToken authorization is too long")
    parameters: dict[str, str] = {}
    position = 0
    while position < len(rest):
        found = _PARAMETER.match(rest, position)
        if found is None or found.end() == position:
            raise TokenRefused("the PrivateToken parameters do not parse")
        parameters[found.group(1).lower()] = found.group(3) if found.group(3) is not None else found.group(2)
        position = found.end()
    if not parameters.get("token"):
        raise TokenRefused("a PrivateToken authorization needs token=")
    return from_b64url(parameters["token"])


def parse_token(data: bytes) -> Token:
    """Split a token into its fields; refuse one of another type or length."""
    if len(data) != TOKEN_BYTES:
        raise TokenRefused(f"a type 2 token is {TOKEN_BYTES} bytes, not {len(data)}")
    if int.from_bytes(data[:2], "big") != TOKEN_TYPE:
        raise TokenRefused("only token type 0x0002 (blind RSA) is accepted")
    nonce_end = 2 + NONCE_BYTES
    digest_end = nonce_end + DIGEST_BYTES
    return Token(
        nonce=data[2:nonce_end],
        challenge_digest=data[nonce_end:digest_end],
        key_id=data[digest_end:TOKEN_INPUT_BYTES],
        authenticator=data[TOKEN_INPUT_BYTES:],
        token_input=data[:TOKEN_INPUT_BYTES],
    )


@lru_cache(maxsize=16)
def public_key(der: bytes) -> Any:
    """Load an issuer's token key (SPKI, the RSASSA-PSS or rsaEncryption OID); refuse anything but RSA 2048."""
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415 - the token layer, only when used
    from cryptography.hazmat.primitives.serialization import load_der_public_key  # noqa: PLC0415

    try:
        key = load_der_public_key(der)
    except (ValueError, TypeError) as exc:
        raise TokenRefused("not a SubjectPublicKeyInfo RSA key") from exc
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size != 8 * AUTHENTICATOR_BYTES:
        raise TokenRefused("a type 2 token key is a 2048-bit RSA key")
    return key


def verify(token: Token, issuer: TokenIssuer) -> None:
    """Check the token's RSASSA-PSS signature (SHA-384, MGF1-SHA-384, 48-byte salt) under the issuer's key."""
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 - the token layer, only when used
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import padding  # noqa: PLC0415

    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=SALT_BYTES)
    try:
        public_key(issuer.key).verify(token.authenticator, token.token_input, pss, hashes.SHA384())
    except InvalidSignature as exc:
        raise TokenRefused("the token's signature does not verify under the issuer's key") from exc


def token_id(token: Token) -> str:
    """Return what a vote spends for the token: the SHA-256 of its nonce (hex), never the token itself."""
    return hashlib.sha256(token.nonce).hexdigest()
