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

from infra import build, identity, transform
from infra.functions import stage_environment
from infra.names import (
    ALARM_EMAIL,
    BUCKET_NAME,
    CARD_LAYER,
    CARD_LAYER_FILE,
    DEPLOYABLE_STAGES,
    EDGE_KEY_ROTATION,
    POWERTOOLS_LAYER_ARN,
    REST_API_DEPLOYMENT,
    SITE_URL,
    STACK_NAME,
    STAGE,
    TOKEN_LAYER,
    TOKEN_LAYER_FILE,
    Template,
)
from ops import artifacts, secrets, stack
from ops.session import Session, emulated
from ops.site import console_config, edge_key_rotation, publish, stack_outputs
from ops.teardown import destroy

REFUSED = (
    "Refused: after a new HMAC key, existing ballots and IP counters are not recognised, so voters on\n"
    "open polls can vote again. Read docs/operations.md (rotating the HMAC key), then add --voters-can-vote-again."
)


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
    previous = stack.parameters(cfn, name)
    if ALARM_EMAIL not in given and ALARM_EMAIL not in previous:
        raise SystemExit("the first deploy of a stage needs ALARM_EMAIL=<on-call address> (SNS emails alarms there)")
    target = build.package(stage, session.workdir)
    bucket = artifacts.bucket_name(session.client("sts"), where)
    if artifacts.ensure_bucket(s3, bucket, where):
        print(f"Created the artifacts bucket {bucket}", file=out)
    key = artifacts.upload_package(s3, bucket, target / "deployment.zip", stage)
    layers = {
        CARD_LAYER: artifacts.upload_package(s3, bucket, target / CARD_LAYER_FILE, stage, kind="cards-layer"),
        TOKEN_LAYER: artifacts.upload_package(s3, bucket, target / TOKEN_LAYER_FILE, stage, kind="tokens-layer"),
    }
    template = transform.expand(json.loads((target / "sam.json").read_text()), where, bucket, key, layers)
    url = artifacts.upload_template(s3, bucket, json.dumps(template, sort_keys=True), stage, where)
    computed = {
        STAGE: stage,
        POWERTOOLS_LAYER_ARN: artifacts.powertools_layer(session.client("lambda"), emulated()),
        REST_API_DEPLOYMENT: "disabled" if emulated() else "enabled",
        EDGE_KEY_ROTATION: edge_key_rotation(session.client("secretsmanager"), stage),
    }
    values = stack_parameters(previous, template, {**computed, **given})
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
            for g in identity.GROUPS
        ]
    else:
        lines.append("Sign-in   no user pool on this endpoint (its CloudFormation made none)")
    lines.append(f"Admin token: python -m ops.deploy set-admin-token --stage {stage} (empty until set)")
    print("\n".join(lines), file=session.out)
    print(f"Embed a poll:\n{snippet}", file=session.out)
    return 0


def secret_command(command: str, stage: str, session: Session) -> int:
    """Run set-admin-token or (confirmed) rotate-hmac-key on the stage's secret."""
    secret_id, out = stage_environment(stage)["SECRET_ID"], session.out
    if command == "set-admin-token":
        token = secrets.set_admin_token(session.client("secretsmanager"), secret_id)
        print(f"New admin token for {stage} (shown once; it is stored in {secret_id}):\n{token}", file=out)
        return 0
    secrets.rotate_hmac_key(session.client("secretsmanager"), secret_id)
    print(
        f"New HMAC key stored in {secret_id}. Recycle the functions so every process reads it (docs/operations.md).",
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
        print(REFUSED, file=sys.stderr)
        return 2
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
        return secret_command(args.command, args.stage, session)
    except (stack.StackFailed, transform.TransformFailed) as failure:
        print(failure, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
