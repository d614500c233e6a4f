"""Settings are validated when loaded: a wrong value names its variable; the registry resets a process."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from chalicelib.core.poll import ProofAlgorithm
from chalicelib.core.private_tokens import b64url
from chalicelib.runtime import state
from chalicelib.runtime.settings import SettingsError, get_settings
from tests.support.privacy_pass import LocalIssuer


def _ec_key() -> bytes:
    """Return an SPKI that is not an RSA key."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VOTE_ATTEMPTS", "0"),
        ("VOTE_ATTEMPTS", "eleven"),
        ("RETENTION_DAYS", "thirty"),
        ("RESULTS_CACHE_SECONDS", "-1"),
        ("POLL_CACHE_SECONDS", "soon"),
        ("SNAPSHOT_RATE_MINUTES", "0"),
        ("BALLOTS_STREAM_ARN", "arn:aws:dynamodb:us-east-1:123456789012:table/poll-ballots-dev"),
        ("POLLS_STREAM_ARN", "polls-dev"),
        ("STREAM_BATCH_SECONDS", "301"),
        ("FOLD_BATCH_SECONDS", "-1"),
        ("SITE_URL", "polls.example-news.com"),
        ("CARD_EVERY", "0"),
        ("CARD_EVERY", "3601"),
        ("CARD_EVERY", "a minute"),
        ("SITE_NAME", "x" * 81),
        ("SITE_NAME", "The\nDaily"),
        ("ACCENT_COLOUR", "blue"),
        ("ACCENT_COLOUR", "#0b5cad0"),
        ("ACCENT_COLOUR", "#0b5"),
        ("ACCENT_COLOUR", "#0b5cag"),
        ("PRIVATE_TOKEN_ISSUERS", "issuer.example"),
        ("PRIVATE_TOKEN_ISSUERS", "issuer.example=not a key"),
        ("PRIVATE_TOKEN_ISSUERS", "issuer.example=MIIBIjANBgkq"),
        ("PRIVATE_TOKEN_ISSUERS", "an issuer=AAAA"),
        ("PRIVATE_TOKEN_ISSUERS", f"issuer.example={b64url(_ec_key())}"),
        ("PRIVATE_TOKEN_DIVISOR", "0"),
        ("PRIVATE_TOKEN_DIVISOR", "1001"),
        ("PROOF_ALGORITHM", "argon2id"),
        ("PROOF_ALGORITHM", "SCRYPT"),
        ("SCRYPT_COST", "1000"),
        ("SCRYPT_COST", "2"),
        ("SCRYPT_COST", "131072"),
        ("SCRYPT_SPREAD", "0"),
        ("WRITE_IN_LIMIT", "0"),
        ("WRITE_IN_LIMIT", "201"),  # each answer is a count: more would not fit one DynamoDB expression
        ("WRITE_IN_LIMIT", "many"),
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
    monkeypatch.delenv("CARD_EVERY", raising=False)
    state.reset_all()
    assert get_settings().card_every == 60
    for name in ("PROOF_ALGORITHM", "SCRYPT_COST", "SCRYPT_SPREAD"):
        monkeypatch.delenv(name, raising=False)
    state.reset_all()
    found = get_settings()
    assert (found.proof_algorithm, found.scrypt_cost, found.scrypt_spread) == (ProofAlgorithm.SCRYPT, 4096, 80)


def test_the_stream_arns_and_site_url_are_taken_as_given_or_left_for_the_template(monkeypatch):
    arn = "arn:aws:dynamodb:eu-west-2:123456789012:table/poll-ballots-dev/stream/2026-11-26T00:00:00.000"
    monkeypatch.setenv("BALLOTS_STREAM_ARN", arn)
    monkeypatch.setenv("SITE_URL", "https://polls.example-news.com/")
    state.reset_all()
    assert (get_settings().ballots_stream_arn, get_settings().site_url) == (arn, "https://polls.example-news.com")
    monkeypatch.delenv("BALLOTS_STREAM_ARN")
    monkeypatch.delenv("SITE_URL")
    state.reset_all()
    assert get_settings().ballots_stream_arn.endswith(":table/poll-ballots-v2-local/stream/unset")
    assert get_settings().polls_stream_arn.endswith(":table/polls-v2-local/stream/unset")
    assert get_settings().site_url is None


@pytest.mark.parametrize(
    ("env", "name", "accent"),
    [
        ({}, "Readers' poll", "#0b5cad"),
        ({"SITE_URL": "https://polls.example-news.com/"}, "polls.example-news.com", "#0b5cad"),
        (
            {"SITE_URL": "https://polls.example-news.com", "SITE_NAME": " The Example News "},
            "The Example News",
            "#0b5cad",
        ),
        ({"SITE_NAME": "Y Cymro", "ACCENT_COLOUR": "#C8102E"}, "Y Cymro", "#c8102e"),
    ],
)
def test_the_site_name_falls_back_to_the_site_host_and_the_accent_colour_to_the_house_blue(
    monkeypatch, env, name, accent
):
    for variable in ("SITE_URL", "SITE_NAME", "ACCENT_COLOUR"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    state.reset_all()
    assert (get_settings().site_name, get_settings().accent_colour) == (name, accent)
    for variable in env:
        monkeypatch.delenv(variable)
    state.reset_all()


def test_private_tokens_are_off_by_default_and_each_issuer_entry_is_read_with_its_key(monkeypatch):
    monkeypatch.delenv("PRIVATE_TOKEN_ISSUERS", raising=False)
    state.reset_all()
    assert get_settings().private_token_issuers == ()
    first, second = LocalIssuer("a.issuer.example"), LocalIssuer("b.issuer.example")
    monkeypatch.setenv("PRIVATE_TOKEN_ISSUERS", f" {first.setting()} ,, {second.setting()}=")
    state.reset_all()
    issuers = get_settings().private_token_issuers
    assert [(i.name, i.key_id) for i in issuers] == [(first.name, first.key_id), (second.name, second.key_id)]
    monkeypatch.delenv("PRIVATE_TOKEN_ISSUERS")
    state.reset_all()


def test_one_call_resets_every_piece_of_process_state():
    import chalicelib.runtime.clients  # noqa: F401 - each registers its state when imported
    import chalicelib.runtime.secrets  # noqa: F401
    import chalicelib.services.catalog  # noqa: F401
    import chalicelib.store.adapters  # noqa: F401

    assert {"settings", "secrets", "clients", "catalog", "adapters"} <= set(state.registered())
