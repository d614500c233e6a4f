"""`make deploy STAGE=<stage>`: the complete stage as one CloudFormation stack, `polls-<stage>`, then its site files.

deploy   package (infra/build.py), upload the package and the template (translated to plain CloudFormation) to the
         artifacts bucket, show the change set, ask (only on a terminal without YES=1), run it while printing the
         stack's events, publish the site's files, print where everything is. No changes: says so, exits 0.
destroy  delete the stack; the tables, bucket, secret, user pool and KMS key are kept (Retain) unless --purge
         (PURGE=1), which then deletes the tables and secrets, the pool, and every object version and the bucket.
publish  upload the site's files again and print the embed snippet.
set-admin-token, rotate-hmac-key   the stage's secret (ops/secrets.py).

Settings (environment or flags): ALARM_EMAIL (required on a stage's first deploy), SITE_URL (the hosted pages'
own URL), PARAMETERS="Key=Value ..." (any other template parameter), YES=1, PURGE=1, POWERTOOLS_LAYER_ARN.
With AWS_ENDPOINT_URL set everything runs against that endpoint (moto's server): the REST API is not deployed
there (RestApiDeployment=disabled) and a stand-in Powertools layer is published.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from infra import build, transform
from infra.data import TABLES, table_name
from infra.functions import stage_environment
from infra.names import (
    ALARM_EMAIL,
    APP_SECRET_NAME,
    BUCKET_NAME,
    DEPLOYABLE_STAGES,
    EDGE_KEY_ROTATION,
    EDGE_SECRET_NAME,
    POWERTOOLS_LAYER_ARN,
    REST_API_DEPLOYMENT,
    SITE_URL,
    STACK_NAME,
    STAGE,
    USER_POOL_NAME,
    Template,
)
from ops import artifacts, secrets, stack
from ops.site import console_config, edge_key_rotation, publish, stack_outputs

GROUPS = ("editors", "admins")


def region() -> str:
    """Return the region to deploy to (AWS_DEFAULT_REGION or the AWS config's)."""
    import boto3  # noqa: PLC0415

    found = boto3.session.Session().region_name
    if not found:
        raise SystemExit("set AWS_DEFAULT_REGION (or a region in your AWS config) to deploy")
    return str(found)


def client(service: str, where: str) -> Any:
    """Return a boto3 client for the region (on AWS_ENDPOINT_URL's endpoint, when set, as boto3 reads it)."""
    import boto3  # noqa: PLC0415

    return boto3.client(service, region_name=where)


@dataclass
class Session:
    """Where a command runs and talks: the region, its clients, the terminal (tests give their own)."""

    region: str = field(default_factory=region)
    out: TextIO = field(default_factory=lambda: sys.stdout)
    ask: Callable[[str], str] = input
    interactive: bool = field(default_factory=sys.stdin.isatty)
    workdir: Path | None = None  # where the package is built (build/<stage> when None)
    waiting: stack.Waiting = field(default_factory=stack.Waiting)
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        """Return this session's client for a service (made once)."""
        if service not in self.clients:
            self.clients[service] = client(service, self.region)
        return self.clients[service]


def emulated() -> bool:
    """Tell whether the deploy goes to an emulator (AWS_ENDPOINT_URL) rather than AWS."""
    return bool(os.environ.get("AWS_ENDPOINT_URL"))


def stack_parameters(previous: dict[str, str], template: Template, given: dict[str, str]) -> dict[str, str]:
    """Return every parameter's value: the given one, else the stack's previous one, else its default."""
    values = {key: previous[key] for key in template.get("Parameters", {}) if key in previous}
    values.update({key: value for key, value in given.items() if value is not None})
    if ALARM_EMAIL not in values:
        raise SystemExit("the first deploy of a stage needs ALARM_EMAIL=<on-call address> (SNS emails alarms there)")
    unknown = set(values) - set(template.get("Parameters", {}))
    if unknown:
        raise SystemExit(f"the template has no parameter {', '.join(sorted(unknown))}")
    return values


def deploy(stage: str, given: dict[str, str], *, yes: bool, session: Session) -> int:
    """Deploy the stage; return the exit status."""
    where, name, out = session.region, STACK_NAME.format(stage=stage), session.out
    cfn, s3 = session.client("cloudformation"), session.client("s3")
    if stack.status(cfn, name) == "ROLLBACK_COMPLETE":
        raise SystemExit(
            f"{name} failed on its first deploy and rolled back: `make destroy STAGE={stage}`, then deploy"
        )
    target = build.package(stage, session.workdir)
    bucket = artifacts.bucket_name(session.client("sts"), where)
    if artifacts.ensure_bucket(s3, bucket, where):
        print(f"Created the artifacts bucket {bucket}", file=out)
    key = artifacts.upload_package(s3, bucket, target / "deployment.zip", stage)
    template = transform.expand(json.loads((target / "sam.json").read_text()), where, bucket, key)
    url = artifacts.upload_template(s3, bucket, json.dumps(template, sort_keys=True), stage, where)
    computed = {
        STAGE: stage,
        POWERTOOLS_LAYER_ARN: artifacts.powertools_layer(session.client("lambda"), emulated()),
        REST_API_DEPLOYMENT: "disabled" if emulated() else "enabled",
        EDGE_KEY_ROTATION: edge_key_rotation(session.client("secretsmanager"), stage),
    }
    values = stack_parameters(stack.parameters(cfn, name), template, {**computed, **given})
    change_set = stack.create_change_set(cfn, name, url, values, session.waiting)
    if stack.is_empty(change_set):
        cfn.delete_change_set(ChangeSetName=change_set["ChangeSetId"], StackName=name)
        print(f"{name}: no changes (the change set was empty and is deleted); the stack is as it was.", file=out)
    elif change_set["Status"] == "FAILED":
        raise stack.StackFailed(f"{name}: CloudFormation refused the change set: {change_set.get('StatusReason')}")
    else:
        print(f"Changes to {name} ({where}):\n{stack.describe(change_set)}", file=out, flush=True)
        if not stack.confirmed(session.interactive, yes, session.ask, name):
            cfn.delete_change_set(ChangeSetName=change_set["ChangeSetId"], StackName=name)
            print("Nothing changed (the change set is deleted).", file=out)
            return 1
        print(f"{name}: {stack.execute(cfn, name, change_set, out, session.waiting)}", file=out)
    return publish_site(stage, template, session)


def publish_site(stage: str, template: Template | None, session: Session) -> int:
    """Upload the site's files to the stage's bucket and print where everything is and what to do next."""
    where, name = session.region, STACK_NAME.format(stage=stage)
    outputs = stack_outputs(session.client("cloudformation"), name, template)
    site = outputs.get("SiteUrl")
    pool, api = outputs.get("UserPoolId"), outputs.get("EndpointURL")
    console = console_config(site, where, pool, outputs.get("ConsoleClientId")) if site else None
    bucket = outputs.get("ResultsBucketName", BUCKET_NAME.format(stage=stage))
    snippet, changed = publish(session.client("s3"), bucket, site or "https://SITE_URL", console)
    lines = [f"Published {changed} changed site files to {bucket}."]
    if site:
        lines += [
            f"Site      {site}   (hosted pages {site}/p/<poll id>; the API {site}/api)",
            f"Console   {site}/console/",
        ]
    else:
        lines.append("Site      none: this endpoint's CloudFormation made no CloudFront distribution")
    lines.append(f"API       {api or 'not deployed on this endpoint'}")
    if pool:
        lines += [
            "Sign-in users to create (Cognito emails each a temporary password; `admins` may also delete polls and",
            "void votes):",
            "  EMAIL=jo@example-news.com",
            f"  aws cognito-idp admin-create-user --user-pool-id {pool} --username $EMAIL \\",
            "    --user-attributes Name=email,Value=$EMAIL Name=email_verified,Value=true",
        ]
        lines += [
            f"  aws cognito-idp admin-add-user-to-group --user-pool-id {pool} --username $EMAIL --group-name {g}"
            for g in GROUPS
        ]
    else:
        lines.append("Sign-in   no user pool on this endpoint (its CloudFormation made none)")
    lines.append(f"Admin token: python -m ops.deploy set-admin-token --stage {stage} (empty until set)")
    print("\n".join(lines), file=session.out)
    print(f"Embed a poll:\n{snippet}", file=session.out)
    return 0


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
            "Kept: the tables, the results bucket, the secret, the user pool and the KMS key (PURGE=1 deletes them).",
            file=out,
        )
    return 0


def secret_command(command: str, stage: str, confirmed: bool, session: Session) -> int:
    """Run set-admin-token or rotate-hmac-key on the stage's secret."""
    secret_id, out = stage_environment(stage)["SECRET_ID"], session.out
    if command == "set-admin-token":
        token = secrets.set_admin_token(session.client("secretsmanager"), secret_id)
        print(f"New admin token for {stage} (shown once; it is stored in {secret_id}):\n{token}", file=out)
        return 0
    if not confirmed:
        print(
            "Refused: after a new HMAC key, existing ballots and IP counters are not recognised, so voters on\n"
            "open polls can vote again. Read OPERATIONS.md (rotating the HMAC key), then add --voters-can-vote-again.",
            file=sys.stderr,
        )
        return 2
    secrets.rotate_hmac_key(session.client("secretsmanager"), secret_id)
    print(
        f"New HMAC key stored in {secret_id}. Recycle the functions so every process reads it (OPERATIONS.md).",
        file=out,
    )
    return 0


def main(argv: list[str] | None = None, session: Session | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["deploy", "destroy", "publish", "set-admin-token", "rotate-hmac-key"])
    parser.add_argument("--stage", required=True, choices=DEPLOYABLE_STAGES)
    parser.add_argument("--alarm-email", default=os.environ.get("ALARM_EMAIL") or None)
    parser.add_argument("--site-url", default=os.environ.get("SITE_URL") or None)
    parser.add_argument(
        "--parameter", action="append", default=os.environ.get("PARAMETERS", "").split(), help="Key=Value"
    )
    parser.add_argument("--yes", action="store_true", default=os.environ.get("YES") == "1")
    parser.add_argument("--purge", action="store_true", default=os.environ.get("PURGE") == "1")
    parser.add_argument("--voters-can-vote-again", action="store_true", help="rotate-hmac-key: the consequence, read")
    args = parser.parse_args(argv)
    if args.command == "rotate-hmac-key" and not args.voters_can_vote_again:
        return secret_command(args.command, args.stage, False, Session(region="unused"))
    session = session or Session()
    try:
        if args.command == "deploy":
            given = dict(pair.split("=", 1) for pair in args.parameter)
            given.update({k: v for k, v in ((ALARM_EMAIL, args.alarm_email), (SITE_URL, args.site_url)) if v})
            return deploy(args.stage, given, yes=args.yes, session=session)
        if args.command == "destroy":
            return destroy(args.stage, purge_data=args.purge, session=session)
        if args.command == "publish":
            return publish_site(args.stage, None, session)
        return secret_command(args.command, args.stage, args.voters_can_vote_again, session)
    except (stack.StackFailed, transform.TransformFailed) as failure:
        print(failure, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
