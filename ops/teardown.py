"""`make destroy STAGE=<stage>`: the stack goes; what it keeps (Retain) stays unless PURGE=1.

Kept by the stack's deletion: the tables, the results bucket, the app's secret, the editors' user pool and the KMS
key. A purge then deletes the tables, both secrets (without a recovery window, so a new deploy can use the names),
the user pool (its deletion protection turned off first), and every object version and the bucket; the KMS key
stays (schedule its deletion by hand, docs/operations.md).
"""

from __future__ import annotations

from infra.data import TABLES, table_name
from infra.names import APP_SECRET_NAME, BUCKET_NAME, EDGE_SECRET_NAME, STACK_NAME, USER_POOL_NAME
from ops import stack
from ops.session import Session


def purge(stage: str, session: Session) -> None:
    """Delete what the stack keeps: the tables, the secrets, the user pool, every object version and the bucket."""
    out = session.out
    dynamodb, manager, s3 = session.client("dynamodb"), session.client("secretsmanager"), session.client("s3")
    for table in TABLES:
        name = table_name(table).format(stage=stage)
        try:
            dynamodb.delete_table(TableName=name)
            print(f"Deleted the table {name}", file=out)
        except dynamodb.exceptions.ResourceNotFoundException:
            pass
    for secret in (APP_SECRET_NAME.format(stage=stage), EDGE_SECRET_NAME.format(stage=stage)):
        try:
            manager.describe_secret(SecretId=secret)
        except manager.exceptions.ResourceNotFoundException:
            continue
        manager.delete_secret(SecretId=secret, ForceDeleteWithoutRecovery=True)  # the name can be used again
        print(f"Deleted the secret {secret}", file=out)
    cognito = session.client("cognito-idp")
    for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]:
        if pool["Name"] == USER_POOL_NAME.format(stage=stage):
            cognito.update_user_pool(UserPoolId=pool["Id"], DeletionProtection="INACTIVE")
            cognito.delete_user_pool(UserPoolId=pool["Id"])
            print(f"Deleted the user pool {pool['Name']}", file=out)
    bucket = BUCKET_NAME.format(stage=stage)
    try:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", [])]
            doomed += [{"Key": m["Key"], "VersionId": m["VersionId"]} for m in page.get("DeleteMarkers", [])]
            if doomed:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
        s3.delete_bucket(Bucket=bucket)
        print(f"Emptied and deleted the bucket {bucket}", file=out)
    except s3.exceptions.NoSuchBucket:
        pass


def destroy(stage: str, *, purge_data: bool, session: Session) -> int:
    """Tear the stage down, keeping its data unless purge_data."""
    name, out = STACK_NAME.format(stage=stage), session.out
    if stack.delete(session.client("cloudformation"), name, out, session.waiting):
        print(f"Deleted {name}.", file=out)
    else:
        print(f"There is no stack {name}.", file=out)
    if purge_data:
        purge(stage, session)
    else:
        print(
            "Kept: the tables, the results bucket, the secret and the user pool (PURGE=1 deletes them), and the KMS "
            "key (schedule its deletion by hand: docs/operations.md).",
            file=out,
        )
    return 0
