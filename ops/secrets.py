"""The stage's secret `polls/<stage>` ({"admin_token", "hmac_key"}): a new admin token, or (rarely) a new HMAC key.

`python -m ops.deploy set-admin-token --stage dev` prints the new token once and keeps the HMAC key, so existing
ballots still match; `python -m ops.deploy rotate-hmac-key --stage dev --voters-can-vote-again` replaces the key
(read docs/operations.md first: ballots and address counters stop matching). Either way, recycle the functions after.
"""

from __future__ import annotations

import json
import secrets
from typing import Any


def _update(manager: Any, secret_id: str, **changes: str) -> dict[str, str]:
    """Put a new version of the secret with some of its keys changed; return the document."""
    document: dict[str, str] = json.loads(manager.get_secret_value(SecretId=secret_id)["SecretString"])
    document.update(changes)
    manager.put_secret_value(SecretId=secret_id, SecretString=json.dumps(document))
    return document


def set_admin_token(manager: Any, secret_id: str, token: str | None = None) -> str:
    """Replace the admin token in a stage's secret, keeping its HMAC key; return the new token."""
    return _update(manager, secret_id, admin_token=token or secrets.token_urlsafe(32))["admin_token"]


def rotate_hmac_key(manager: Any, secret_id: str) -> None:
    """Replace the HMAC key in a stage's secret, keeping its admin token.

    Ballots and per-IP counters are keyed by HMACs under this key: after the change, voters who already voted on an
    open poll are not recognised and can vote again, and IP limits start from zero.
    """
    _update(manager, secret_id, hmac_key=secrets.token_urlsafe(48))
