"""The editors' sign-in: a Cognito user pool per stage, its `editors` and `admins` groups and the console's client.

Sign-in by email, accounts created by an admin only, a public client (a browser app keeps no secret) with
60-minute access tokens and revocation on. The API function learns the pool and the client from the template
(infra/functions.py); the local stack creates the same pool on its endpoint from these definitions
(local/interpreter.py), so the console signs in locally with the real InitiateAuth flow.
"""

from __future__ import annotations

from chalicelib.core.identity import Group
from infra.names import (
    CONSOLE_CLIENT,
    CONSOLE_CLIENT_NAME,
    USER_POOL,
    USER_POOL_CLIENT_TYPE,
    USER_POOL_GROUP_TYPE,
    USER_POOL_NAME,
    USER_POOL_TYPE,
    Template,
    named,
    ref,
)

GROUPS: dict[Group, tuple[str, str, int | None]] = {  # logical id, description, precedence
    Group.EDITORS: (
        "EditorsGroup",
        "Create, change, schedule, close, reopen, recount and watch polls; read the audit log.",
        None,
    ),
    Group.ADMINS: ("AdminsGroup", "Everything editors do, plus deleting polls and voiding votes.", 1),
}
AUTH_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def user_pool() -> Template:
    """Return the editors' pool: email sign-in, admin-created accounts, a password policy, kept on deletion."""
    return {
        "Type": USER_POOL_TYPE,
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "UserPoolName": named(USER_POOL_NAME),
            "UsernameAttributes": ["email"],
            "AutoVerifiedAttributes": ["email"],
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
            "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
            "Policies": {
                "PasswordPolicy": {
                    "MinimumLength": 12,
                    "RequireLowercase": True,
                    "RequireUppercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": False,
                    "TemporaryPasswordValidityDays": 3,
                }
            },
            "MfaConfiguration": "OFF",
            "DeletionProtection": "ACTIVE",
            "UserPoolTags": {"app": "polls"},
        },
    }


def group(name: Group) -> Template:
    """Return one of the pool's groups."""
    _, description, precedence = GROUPS[name]
    properties: Template = {"GroupName": name.value, "Description": description, "UserPoolId": ref(USER_POOL)}
    if precedence is not None:
        properties["Precedence"] = precedence
    return {"Type": USER_POOL_GROUP_TYPE, "Properties": properties}


def console_client() -> Template:
    """Return the console's app client: public, password and SRP sign-in, short tokens, revocation on."""
    return {
        "Type": USER_POOL_CLIENT_TYPE,
        "Properties": {
            "ClientName": named(CONSOLE_CLIENT_NAME),
            "UserPoolId": ref(USER_POOL),
            "GenerateSecret": False,
            "ExplicitAuthFlows": AUTH_FLOWS,
            "PreventUserExistenceErrors": "ENABLED",
            "EnableTokenRevocation": True,
            "AccessTokenValidity": 60,
            "IdTokenValidity": 60,
            "RefreshTokenValidity": 12,
            "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "hours"},
            "SupportedIdentityProviders": ["COGNITO"],
        },
    }


def fragment() -> Template:
    """Return the sign-in's part of the stage's template: the pool, its groups, the console's client, the ids."""
    resources: Template = {USER_POOL: user_pool()}
    resources.update({GROUPS[name][0]: group(name) for name in Group})
    resources[CONSOLE_CLIENT] = console_client()
    outputs = {
        "UserPoolId": {
            "Value": ref(USER_POOL),
            "Description": "The editors' user pool: add editors with admin-create-user and admin-add-user-to-group.",
        },
        "ConsoleClientId": {"Value": ref(CONSOLE_CLIENT), "Description": "The console's app client id."},
    }
    return {"Resources": resources, "Outputs": outputs}
