"""`make deploy STAGE=dev`: create or update the stage's tables, bucket and secret, then `chalice deploy`.

Also `python -m ops.deploy set-admin-token --stage dev` to rotate the admin token (the HMAC key
is kept, so existing ballots still match), and `python -m ops.deploy rotate-hmac-key --stage dev
--voters-can-vote-again` to replace the HMAC key (see OPERATIONS.md first: existing ballots stop matching).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from infra.build import ROOT, build_project, chalice
from local.stack import stage_environment

if TYPE_CHECKING:
    from chalicelib.runtime.settings import Settings

DEPLOYABLE_STAGES = ("dev", "prod")


def stage_settings(stage: str) -> Settings:
    """Load the stage's environment from .chalice/config.json and return its settings."""
    from chalicelib.runtime import state  # noqa: PLC0415
    from chalicelib.runtime.settings import get_settings  # noqa: PLC0415

    for name, value in stage_environment(stage).items():
        os.environ[name] = value
    state.reset_all()
    return get_settings()


def deploy_region() -> str:
    """Return the region `chalice deploy` will use (AWS_DEFAULT_REGION or the AWS config's)."""
    import boto3  # noqa: PLC0415

    region = boto3.session.Session().region_name
    if not region:
        raise SystemExit("set AWS_DEFAULT_REGION (or a region in your AWS config) to deploy")
    return str(region)


def prepare(stage: str) -> list[str]:
    """Create or update the stage's tables, bucket and secret; return what was created."""
    from local.resources import ensure_resources  # noqa: PLC0415

    return ensure_resources(stage_settings(stage))


def main() -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["deploy", "prepare", "publish-site", "set-admin-token", "rotate-hmac-key"])
    parser.add_argument("--stage", required=True, choices=DEPLOYABLE_STAGES)
    parser.add_argument(
        "--voters-can-vote-again",
        action="store_true",
        help="rotate-hmac-key: confirm that voters on open polls will be able to vote again",
    )
    args = parser.parse_args()
    if args.command == "publish-site":
        return publish_site(args.stage)
    if args.command == "rotate-hmac-key":
        return rotate_hmac_key(args.stage, confirmed=args.voters_can_vote_again)
    if args.command == "set-admin-token":
        from local.resources import set_admin_token  # noqa: PLC0415

        token = set_admin_token(stage_settings(args.stage))
        print(f"New admin token for {args.stage} (shown once; it is stored in the stage's secret):\n{token}")
        return 0
    created = prepare(args.stage)
    print(f"{args.stage}: created {', '.join(created) if created else 'nothing (all present)'}; settings applied")
    if args.command == "deploy":
        build = ROOT / "build" / args.stage
        build.mkdir(parents=True, exist_ok=True)
        region = deploy_region()
        os.environ["COUNTERS_STREAM_ARN"] = counters_stream_arn()  # the publisher's event source
        project = build_project(args.stage, build, region=region)
        chalice(project, "deploy", "--stage", args.stage)
        _keep_deployed_record(project)
        deploy_site_stack(args.stage, region)
    return 0


def counters_stream_arn() -> str:
    """Return the counters table's stream ARN (provisioning turned the stream on)."""
    from chalicelib.runtime.clients import client  # noqa: PLC0415
    from chalicelib.runtime.settings import get_settings  # noqa: PLC0415

    return str(client("dynamodb").describe_table(TableName=get_settings().counters_table)["Table"]["LatestStreamArn"])


def deploy_site_stack(stage: str, region: str) -> None:
    """Path 1: the site stack after `chalice deploy`, then the site's files; print where it is."""
    from chalicelib.runtime.clients import client  # noqa: PLC0415
    from chalicelib.runtime.settings import get_settings  # noqa: PLC0415
    from ops.site import api_domain, deploy_site, edge_key_version, publish  # noqa: PLC0415

    domain = api_domain(ROOT / ".chalice" / "deployed", stage, region)
    outputs = deploy_site(client("cloudformation"), stage, domain, edge_key_version(client("secretsmanager"), stage))
    site = outputs["SiteUrl"]
    snippet = publish(client("s3"), get_settings().results_bucket, site, console=None)
    print(f"{stage}: site {site} (hosted pages {site}/p/<poll id>; API {site}/api)")
    print("The editors' console needs the stage's user pool, which only the CloudFormation path creates.")
    print(f"Embed a poll:\n{snippet}")


def publish_site(stage: str) -> int:
    """Path 2: after `aws cloudformation deploy`, upload the site's files and print the embed snippet."""
    from chalicelib.runtime.clients import client  # noqa: PLC0415
    from ops.site import APP_STACK, console_config, publish, stack_outputs  # noqa: PLC0415

    settings = stage_settings(stage)
    outputs = stack_outputs(client("cloudformation"), APP_STACK.format(stage=stage))
    site = outputs["SiteUrl"]
    console = console_config(site, settings.region, outputs.get("UserPoolId"), outputs.get("ConsoleClientId"))
    snippet = publish(client("s3"), outputs["ResultsBucketName"], site, console)
    print(f"{stage}: site {site}; console {site}/console/; hosted pages {site}/p/<poll id>")
    print(f"Embed a poll:\n{snippet}")
    return 0


def rotate_hmac_key(stage: str, *, confirmed: bool) -> int:
    """Replace the stage's HMAC key, only when the operator confirmed the consequence."""
    if not confirmed:
        print(
            "Refused: after a new HMAC key, existing ballots and IP counters are not recognised, so voters on\n"
            "open polls can vote again. Read OPERATIONS.md (rotating the HMAC key), then add --voters-can-vote-again.",
            file=sys.stderr,
        )
        return 2
    from local.resources import rotate_hmac_key as rotate  # noqa: PLC0415

    rotate(stage_settings(stage))
    print(f"New HMAC key stored in {stage}'s secret. Recycle the functions so every process reads it (OPERATIONS.md).")
    return 0


def _keep_deployed_record(project: Path) -> None:
    """Copy chalice's record of deployed resources back, so later deploys and deletes find it."""
    source = project / ".chalice" / "deployed"
    if source.is_dir():
        shutil.copytree(source, ROOT / ".chalice" / "deployed", dirs_exist_ok=True)


if __name__ == "__main__":
    sys.exit(main())
