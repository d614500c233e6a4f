"""The Cognito adapter: asks the stage's user pool whether an editor's access token is valid (GetUser)."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core.errors import ServiceUnavailable, Unauthorized
from chalicelib.runtime.clients import client

# Cognito's answers for a token that is forged, expired, revoked (signed out) or whose user is gone or disabled.
REFUSED = frozenset(
    {"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException", "PasswordResetRequiredException"}
)


def user_attributes(access_token: str) -> dict[str, str]:
    """Return the user's attributes (sub, email, ...) if Cognito accepts the access token; Unauthorized if not.

    GetUser is authorised by the token itself (no IAM permission, no request signing): Cognito checks its
    signature, expiry and revocation, so a signed-out or disabled editor is refused at once.
    """
    try:
        answer = client("cognito-idp").get_user(AccessToken=access_token)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in REFUSED:
            raise Unauthorized("the sign-in has expired or was revoked; sign in again") from exc
        raise ServiceUnavailable("sign-in cannot be checked right now, try again shortly") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("sign-in cannot be checked right now, try again shortly") from exc
    return {str(a["Name"]): str(a["Value"]) for a in answer.get("UserAttributes", [])}
