"""Privacy Pass wire formats against published type 2 test vectors (cloudflare/pat-go's
tokens/type2/type2-issuance-test-vectors.json), and the local test issuer's key encoding against them."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.serialization import load_der_public_key

from chalicelib.core.private_tokens import (
    TokenIssuer,
    TokenRefused,
    parse_token,
    token_challenge,
    token_from_authorization,
    verify,
)
from tests.support.privacy_pass import authorization, pss_spki

# One issuer key (SPKI with the RSASSA-PSS OID) and two tokens it signed: one for a challenge with a redemption
# context, one for a challenge without.
KEY = bytes.fromhex(
    "30820152303d06092a864886f70d01010a3030a00d300b0609608648016503040202a11a301806092a864886f70d010108300b06096086"
    "48016503040202a2030201300382010f003082010a0282010100cb1aed6b6a95f5b1ce013a4cfcab25b94b2e64a23034e4250a7eab43c0"
    "df3a8c12993af12b111908d4b471bec31d4b6c9ad9cdda90612a2ee903523e6de5a224d6b02f09e5c374d0cfe01d8f529c500a78a2f679"
    "08fa682b5a2b430c81eaf1af72d7b5e794fc98a3139276879757ce453b526ef9bf6ceb99979b8423b90f4461a22af37aab0cf5733f7597"
    "abe44d31c732db68a181c6cbbe607d8c0e52e0655fd9996dc584eca0be87afbcd78a337d17b1dba9e828bbd81e291317144e7ff89f5561"
    "9709b096cbb9ea474cead264c2073fe49740c01f00e109106066983d21e5f83f086e2e823c879cd43cef700d2a352a9babd612d03cad02"
    "db134b7e225a5f0203010001"
)
CONTEXT = bytes.fromhex("8e7acc900e393381e8810b7c9e4a68b5163f1f880ab6688a6ffe780923609e88")
VECTORS = [
    (
        CONTEXT,
        "0002000e6973737565722e6578616d706c65208e7acc900e393381e8810b7c9e4a68b5163f1f880ab6688a6ffe780923609e88000e6f"
        "726967696e2e6578616d706c65",
        "0002f27bc78fd1d220e7aeeef65ec4105f2261b201462a9550876964a87bb09886265969f643b4cfda5196d4aa86aeb5368834f4f06de4"
        "6950ed435b3b81bd036d44ca572f8982a9ca248a3056186322d93ca147266121ddeb5632c07f1f71cd27082e44f7d091223f144ee59721"
        "96bdab0b5ef3cdf68905bab92a512bea318117fa5ded7daa0d5e8c740eac3f875a73b691c96bbd6149d0f2bb20302528136c342da33f33"
        "3dd3e9f843ca0611d9b852465a6815561f9f3430dc889d74796828e3a213f32de1694a67bf538de3bb6509d97f1e0e96c45d1d4b39f6d1"
        "b66ece8f2e4f143dafd56de8348b20f7f1eed212f9751e7d1e2638477b39c1cec3b4770a1d8eab804c6455d391fa7948228442888b0794"
        "b520e8a54b468e3ea03153f43de34331e7263fe068d9215d3597593042e02dc5daa7f4468bca77e97b0c6cf32f14b1a9e60c9e9325d19e"
        "7d2008ca308995c701bb0e3cb56f4539f36dc2b3e44631bb",
    ),
    (
        b"",
        "0002000e6973737565722e6578616d706c6500000e6f726967696e2e6578616d706c65",
        "000281bbef356b4ac603d478e3fd941764dc63ad49e8ff9585cf4f2e9b17fc1e009f11e15c91a7c2ad02abd66645802373db1d823bea80"
        "f08d452541fb2b62b5898bca572f8982a9ca248a3056186322d93ca147266121ddeb5632c07f1f71cd270805645ea35bc02f12a28e6763"
        "777f1ef8d7f8cc6aa84f1c6381b7ad65381f0d5856e0875d97551b3e59ac9ebbb8d804232902c792a456c19c486014917609c84ecce710"
        "adecc3560986d3d09b57db24daf29b6dee1895c848b289cabcb621170e06878f07c80ca4d3cae6c424f867d3820e598c4306964edf5606"
        "aabd19db98eedf6ac21b9f24066f9f32c30c48486d351c9bf28b6413ed5b8c5ee4b4106e62f7ffabbddab4b0466940ae844f5036d99a94"
        "6e048cc6a54f7e4010b186b0f451aeda3edb4ff46fcb16a70f908748cc146e6c324fbe66cebad7ea91a1b00a21f7bb3d7620f4938d816d"
        "86f1305241df32248480cc9270a39bdd3b766b0412a8ddfe",
    ),
]
ISSUER = TokenIssuer(name="issuer.example", key=KEY)


@pytest.mark.parametrize(("context", "challenge", "token"), VECTORS, ids=["with a context", "without"])
def test_a_published_token_verifies_and_answers_its_challenge_encoded_as_the_vector(context, challenge, token):
    assert token_challenge("issuer.example", context, "origin.example").hex() == challenge
    parsed = parse_token(token_from_authorization(authorization(bytes.fromhex(token))) or b"")
    assert parsed.challenge_digest == hashlib.sha256(bytes.fromhex(challenge)).digest()
    assert parsed.key_id == ISSUER.key_id
    verify(parsed, ISSUER)


@pytest.mark.parametrize("position", [0, 40, 97, 98, 300, 353], ids=lambda p: f"byte {p}")
def test_a_published_token_with_any_byte_changed_is_refused(position):
    token = bytearray.fromhex(VECTORS[0][2])
    token[position] ^= 0x01
    with pytest.raises(TokenRefused):
        verify(parse_token(bytes(token)), ISSUER)


def test_the_test_issuer_encodes_a_token_key_as_the_vectors_issuer_does():
    assert pss_spki(load_der_public_key(KEY)) == KEY  # type: ignore[arg-type]
