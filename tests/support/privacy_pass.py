"""A Privacy Pass test issuer and client (RFC 9578 type 0x0002 tokens by RFC 9474's blind RSA, written out).

The client blinds the token input (EMSA-PSS encoding with SHA-384, MGF1-SHA-384 and a 48-byte salt, then times
r^e), the issuer signs the blinded message with its private exponent without seeing the input, and the client
unblinds the signature (times r^-1) and checks it. The key is a locally generated 2048-bit RSA key published as
an SPKI with the RSASSA-PSS OID, as RFC 9578 asks. Never verified here against Apple's or Cloudflare's issuers.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from functools import cached_property

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.core.private_tokens import SALT_BYTES, TOKEN_TYPE, b64url, from_b64url

HASH = hashlib.sha384
MODULUS_BYTES = 256
# DER of the SPKI's AlgorithmIdentifier: id-RSASSA-PSS, hash SHA-384, MGF1 with SHA-384, salt length 48.
OID_PSS, OID_MGF1 = bytes.fromhex("06092a864886f70d01010a"), bytes.fromhex("06092a864886f70d010108")
OID_SHA384 = bytes.fromhex("0609608648016503040202")
OFFER = re.compile(r'PrivateToken challenge="([^"]+)", token-key="([^"]+)"')


def _der(tag: int, body: bytes) -> bytes:
    """Return one DER element: tag, definite length, body."""
    size = len(body)
    if size < 128:
        return bytes([tag, size]) + body
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + body


def pss_spki(key: rsa.RSAPublicKey) -> bytes:
    """Return the key as RFC 9578's token key: SubjectPublicKeyInfo with the RSASSA-PSS OID and its parameters."""
    pkcs1 = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    sha384 = _der(0x30, OID_SHA384)
    parameters = _der(0xA0, sha384) + _der(0xA1, _der(0x30, OID_MGF1 + sha384)) + _der(0xA2, bytes.fromhex("020130"))
    algorithm = _der(0x30, OID_PSS + _der(0x30, parameters))
    return _der(0x30, algorithm + _der(0x03, b"\x00" + pkcs1))


def mgf1(seed: bytes, length: int) -> bytes:
    """Return MGF1 with SHA-384 (RFC 8017 B.2.1)."""
    out = b"".join(HASH(seed + counter.to_bytes(4, "big")).digest() for counter in range(-(-length // 48)))
    return out[:length]


def emsa_pss_encode(message: bytes, em_bits: int, salt: bytes) -> bytes:
    """Return EMSA-PSS-ENCODE (RFC 8017 9.1.1) of the message with SHA-384 and the given salt."""
    em_len = -(-em_bits // 8)
    m_hash = HASH(message).digest()
    h = HASH(b"\x00" * 8 + m_hash + salt).digest()
    db = b"\x00" * (em_len - len(salt) - len(h) - 2) + b"\x01" + salt
    masked = bytearray(a ^ b for a, b in zip(db, mgf1(h, em_len - len(h) - 1), strict=True))
    masked[0] &= 0xFF >> (8 * em_len - em_bits)
    return bytes(masked) + h + b"\xbc"


@dataclass
class LocalIssuer:
    """An issuer with its own 2048-bit key: it blind-signs, and knows nothing of what it signs."""

    name: str = "issuer.test.example"

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        """Return the issuer's key, generated on first use."""
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @property
    def token_key(self) -> bytes:
        """Return the published token key (SPKI, RSASSA-PSS OID)."""
        return pss_spki(self.private_key.public_key())

    @property
    def key_id(self) -> bytes:
        """Return the token_key_id: SHA-256 of the token key."""
        return hashlib.sha256(self.token_key).digest()

    def setting(self) -> str:
        """Return this issuer as a PRIVATE_TOKEN_ISSUERS entry."""
        return f"{self.name}={b64url(self.token_key)}"

    def blind_sign(self, blinded: bytes) -> bytes:
        """Sign a blinded message with the private exponent (RFC 9474 BlindSign), checking the result."""
        numbers = self.private_key.private_numbers()
        n, e = numbers.public_numbers.n, numbers.public_numbers.e
        m = int.from_bytes(blinded, "big")
        s = pow(m, numbers.d, n)
        assert pow(s, e, n) == m, "signing failure"
        return s.to_bytes(MODULUS_BYTES, "big")


def mint(issuer: LocalIssuer, challenge: bytes, *, key_id: bytes | None = None, token_type: int = TOKEN_TYPE) -> bytes:
    """Run the issuance as a client would: blind the token input, have the issuer sign it, unblind; return the token."""
    nonce = secrets.token_bytes(32)
    token_input = token_type.to_bytes(2, "big") + nonce + hashlib.sha256(challenge).digest() + (key_id or issuer.key_id)
    public = issuer.private_key.public_key().public_numbers()
    n, e = public.n, public.e
    encoded = int.from_bytes(emsa_pss_encode(token_input, n.bit_length() - 1, secrets.token_bytes(SALT_BYTES)), "big")
    while True:  # r: a random unit mod n
        r = secrets.randbelow(n - 1) + 1
        if math.gcd(r, n) == 1:
            break
    blinded = (encoded * pow(r, e, n) % n).to_bytes(MODULUS_BYTES, "big")
    signature = int.from_bytes(issuer.blind_sign(blinded), "big") * pow(r, -1, n) % n
    assert pow(signature, e, n) == encoded, "the unblinded signature does not verify"
    return token_input + signature.to_bytes(MODULUS_BYTES, "big")


def offers(www_authenticate: str) -> list[tuple[bytes, bytes]]:
    """Return the (TokenChallenge, token key) pairs a WWW-Authenticate header offers."""
    return [(from_b64url(c), from_b64url(k)) for c, k in OFFER.findall(www_authenticate)]


def authorization(token: bytes) -> str:
    """Return the Authorization header that presents a token."""
    return f'PrivateToken token="{b64url(token)}"'
