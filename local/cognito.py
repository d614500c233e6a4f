"""The editors' user pool on an AWS endpoint (moto locally and in tests): groups, the console's client, users.

The pool, its groups and the console's client are infra/identity.py's, created on the endpoint by
local/interpreter.py (moto's CloudFormation passes over Cognito), so the console signs in with the real
InitiateAuth flow against the pool a deployed stage has.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from chalicelib.core.identity import Group
from chalicelib.runtime.clients import client
from infra import identity
from infra.names import CONSOLE_CLIENT, USER_POOL, substitutions
from local import interpreter

EDITOR_EMAIL = "editor@example.com"
ADMIN_EMAIL = "admin@example.com"
DEFAULT_EDITOR_PASSWORD = "Editor-password-1"  # local stage only: printed in `make run`'s banner
DEFAULT_ADMIN_PASSWORD = "Admin-password-1"


@dataclass(frozen=True)
class UserPool:
    """A user pool and its console client, as the app's settings name them."""

    pool_id: str
    client_id: str
    region: str

    def environment(self) -> dict[str, str]:
        """The app's environment variables for this pool."""
        return {"USER_POOL_ID": self.pool_id, "USER_POOL_CLIENT_IDS": self.client_id}


def local_users() -> dict[str, tuple[str, Group]]:
    """The local stage's users: an editor and an admin, passwords from EDITOR_PASSWORD and ADMIN_PASSWORD."""
    return {
        EDITOR_EMAIL: (os.environ.get("EDITOR_PASSWORD") or DEFAULT_EDITOR_PASSWORD, Group.EDITORS),
        ADMIN_EMAIL: (os.environ.get("ADMIN_PASSWORD") or DEFAULT_ADMIN_PASSWORD, Group.ADMINS),
    }


def create_user(pool_id: str, email: str, password: str, groups: list[Group]) -> None:
    """Create a confirmed user with a permanent password, in the given groups."""
    cognito = client("cognito-idp")
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)
    for group in groups:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group.value)


def ensure_user_pool(stage: str, region: str, users: dict[str, tuple[str, Group]] | None = None) -> UserPool:
    """Find or create the stage's editors' pool (`polls-<stage>-editors`), its groups, console client and users."""
    cognito = client("cognito-idp")
    resources = identity.fragment()["Resources"]
    made, _ = interpreter.create(resources, substitutions(stage, region), lambda _service: cognito)
    pool_id = made[USER_POOL]
    known = {u["Username"] for u in cognito.list_users(UserPoolId=pool_id)["Users"]}
    known |= {a["Value"] for u in cognito.list_users(UserPoolId=pool_id)["Users"] for a in u.get("Attributes", [])}
    for email, (password, group) in (users or {}).items():
        if email not in known:
            create_user(pool_id, email, password, [group])
    return UserPool(pool_id=pool_id, client_id=made[CONSOLE_CLIENT], region=region)


def sign_in(pool: UserPool, email: str, password: str) -> str:
    """Sign in with USER_PASSWORD_AUTH, as the console does; return the access token."""
    answer = client("cognito-idp").initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return str(answer["AuthenticationResult"]["AccessToken"])
