"""A small interpreter of infra/'s definitions for what an emulator's CloudFormation skips but its APIs serve.

moto's CloudFormation creates tables, buckets, functions and queues, and passes over Secrets Manager secrets and
Cognito pools, groups and clients; moto's own APIs serve those. `create` makes them from the same definitions, by
their names (so a second run finds them), resolving `Ref` to what it created and `Fn::Sub` of the stage and region.
moto's CloudFormation also drops some properties of what it does create; `complete` applies those the app or the
local stack can tell apart: a table's TTL and point-in-time recovery, a bucket's versioning and public access block.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from collections.abc import Callable
from typing import Any

from infra.names import (
    BUCKET_TYPE,
    SECRET_TYPE,
    TABLE_TYPE,
    USER_POOL_CLIENT_TYPE,
    USER_POOL_GROUP_TYPE,
    USER_POOL_TYPE,
    Template,
)

Create = Callable[[Any, Template], tuple[str, bool]]  # (client, resolved properties) -> (physical id, created)


def resolve(value: Any, names: dict[str, str]) -> Any:
    """Resolve Ref and Fn::Sub against known names (the stage, the region, resources created so far)."""
    if isinstance(value, dict) and "Ref" in value:
        return names[value["Ref"]]
    if isinstance(value, dict) and "Fn::Sub" in value:
        return re.sub(r"\$\{([^}!]+)\}", lambda m: names[m.group(1)], value["Fn::Sub"])
    if isinstance(value, dict):
        return {key: resolve(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, names) for item in value]
    return value


def generated(spec: Template) -> str:
    """Return a secret's value as GenerateSecretString describes it (a template with one generated key, or not)."""
    alphabet = string.ascii_letters + string.digits
    value = "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
    if "SecretStringTemplate" not in spec:
        return value
    document = json.loads(spec["SecretStringTemplate"])
    document[spec["GenerateStringKey"]] = value
    return json.dumps(document)


def secret(manager: Any, properties: Template) -> tuple[str, bool]:
    """Find or create a secret by name."""
    name = properties["Name"]
    try:
        return str(manager.describe_secret(SecretId=name)["ARN"]), False
    except manager.exceptions.ResourceNotFoundException:
        pass
    value = properties.get("SecretString") or generated(properties.get("GenerateSecretString", {}))
    made = manager.create_secret(Name=name, Description=properties.get("Description", ""), SecretString=value)
    return str(made["ARN"]), True


def user_pool(cognito: Any, properties: Template) -> tuple[str, bool]:
    """Find or create a user pool by name."""
    name = properties.pop("UserPoolName")
    found = [p["Id"] for p in cognito.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == name]
    if found:
        return str(found[0]), False
    return str(cognito.create_user_pool(PoolName=name, **properties)["UserPool"]["Id"]), True


def user_pool_group(cognito: Any, properties: Template) -> tuple[str, bool]:
    """Find or create a group of a user pool."""
    existing = cognito.list_groups(UserPoolId=properties["UserPoolId"])["Groups"]
    if properties["GroupName"] in {g["GroupName"] for g in existing}:
        return str(properties["GroupName"]), False
    cognito.create_group(**properties)
    return str(properties["GroupName"]), True


def user_pool_client(cognito: Any, properties: Template) -> tuple[str, bool]:
    """Find or create an app client of a user pool by name."""
    clients = cognito.list_user_pool_clients(UserPoolId=properties["UserPoolId"], MaxResults=60)["UserPoolClients"]
    found = [c["ClientId"] for c in clients if c["ClientName"] == properties["ClientName"]]
    if found:
        return str(found[0]), False
    return str(cognito.create_user_pool_client(**properties)["UserPoolClient"]["ClientId"]), True


KINDS: dict[str, tuple[str, Create]] = {  # resource type: (the boto3 service, how to create one)
    SECRET_TYPE: ("secretsmanager", secret),
    USER_POOL_TYPE: ("cognito-idp", user_pool),
    USER_POOL_GROUP_TYPE: ("cognito-idp", user_pool_group),
    USER_POOL_CLIENT_TYPE: ("cognito-idp", user_pool_client),
}


def create(resources: Template, names: dict[str, str], client: Callable[[str], Any]) -> tuple[dict[str, str], set[str]]:
    """Find or create the resources of the kinds above, those they refer to first.

    Return each one's physical id, and the logical ids of those this run created.
    """
    created: dict[str, str] = {}
    new: set[str] = set()
    pending = {k: r for k, r in resources.items() if r["Type"] in KINDS}
    while pending:
        ready = [k for k, r in pending.items() if not _refs(r) - set(names) - set(created)]
        if not ready:
            raise ValueError(f"cannot resolve the references of {sorted(pending)}")
        for logical_id in ready:
            resource = pending.pop(logical_id)
            service, make = KINDS[resource["Type"]]
            physical, made = make(client(service), resolve(resource["Properties"], {**names, **created}))
            created[logical_id] = physical
            if made:
                new.add(logical_id)
    return created, new


def complete(resources: Template, physical: dict[str, str], client: Callable[[str], Any]) -> None:
    """Apply the properties moto's CloudFormation drops to the tables and buckets it created."""
    for logical_id, resource in resources.items():
        properties, name = resource["Properties"], physical.get(logical_id)
        if name is None:
            continue
        if resource["Type"] == TABLE_TYPE and "TimeToLiveSpecification" in properties:
            client("dynamodb").update_time_to_live(
                TableName=name, TimeToLiveSpecification=properties["TimeToLiveSpecification"]
            )
        if resource["Type"] == TABLE_TYPE and "PointInTimeRecoverySpecification" in properties:
            client("dynamodb").update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification=properties["PointInTimeRecoverySpecification"]
            )
        if resource["Type"] == BUCKET_TYPE and "VersioningConfiguration" in properties:
            client("s3").put_bucket_versioning(
                Bucket=name, VersioningConfiguration=properties["VersioningConfiguration"]
            )
        if resource["Type"] == BUCKET_TYPE and "PublicAccessBlockConfiguration" in properties:
            block = properties["PublicAccessBlockConfiguration"]
            client("s3").put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)


def _refs(value: Any) -> set[str]:
    """Return the logical ids a value refers to with Ref."""
    if isinstance(value, dict):
        own = {value["Ref"]} if "Ref" in value else set()
        return own.union(*(_refs(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_refs(item) for item in value))
    return set()
