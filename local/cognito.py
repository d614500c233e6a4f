"""The editors' user pool on an AWS endpoint (moto locally and in tests): groups, the console's client, users.

Deployed stages get theirs from the template (`infra/template.json`: EditorsUserPool, ConsoleClient, groups);
this creates the same shape on the embedded endpoint, so the console signs in with the real InitiateAuth flow.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from chalicelib.core.identity import Group
from chalicelib.runtime.clients import client

EDITOR_EMAIL = "editor@example.com"
ADMIN_EMAIL = "admin@example.com"
DEFAULT_EDITOR_PASSWORD = "Editor-password-1"  # local stage only: printed in `make run`'s banner
DEFAULT_ADMIN_PASSWORD = "Admin-password-1"
AUTH_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


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
    name = f"polls-{stage}-editors"
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    found = next((pool["Id"] for pool in pools if pool["Name"] == name), None)
    pool_id: str = (
        found
        or cognito.create_user_pool(
            PoolName=name,
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
            Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireNumbers": True, "RequireSymbols": False}},
        )["UserPool"]["Id"]
    )
    existing_groups = {g["GroupName"] for g in cognito.list_groups(UserPoolId=pool_id)["Groups"]}
    for group in Group:
        if group.value not in existing_groups:
            cognito.create_group(UserPoolId=pool_id, GroupName=group.value)
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    client_id = next((c["ClientId"] for c in clients if c["ClientName"] == f"polls-{stage}-console"), None)
    if client_id is None:
        created: dict[str, Any] = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=f"polls-{stage}-console",
            GenerateSecret=False,
            ExplicitAuthFlows=AUTH_FLOWS,
            EnableTokenRevocation=True,
        )
        client_id = created["UserPoolClient"]["ClientId"]
    known = {u["Username"] for u in cognito.list_users(UserPoolId=pool_id)["Users"]}
    known |= {a["Value"] for u in cognito.list_users(UserPoolId=pool_id)["Users"] for a in u.get("Attributes", [])}
    for email, (password, group) in (users or {}).items():
        if email not in known:
            create_user(pool_id, email, password, [group])
    return UserPool(pool_id=pool_id, client_id=str(client_id), region=region)


def sign_in(pool: UserPool, email: str, password: str) -> str:
    """Sign in with USER_PASSWORD_AUTH, as the console does; return the access token."""
    answer = client("cognito-idp").initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return str(answer["AuthenticationResult"]["AccessToken"])
