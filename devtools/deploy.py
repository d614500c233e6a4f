"""`make deploy STAGE=dev`: create or update the stage's tables, bucket and secret, then `chalice deploy`.

Also `python -m devtools.deploy set-admin-token --stage dev` to rotate the admin token (the HMAC key
is kept, so existing ballots still match).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from devtools.local_stack import stage_environment
from devtools.package import ROOT, build_project, chalice

if TYPE_CHECKING:
    from chalicelib.settings import Settings

DEPLOYABLE_STAGES = ("dev", "prod")


def stage_settings(stage: str) -> Settings:
    """Load the stage's environment from .chalice/config.json and return its settings."""
    from chalicelib import aws, settings  # noqa: PLC0415

    for name, value in stage_environment(stage).items():
        os.environ[name] = value
    settings.reset()
    aws.reset()
    return settings.get_settings()


def deploy_region() -> str:
    """Return the region `chalice deploy` will use (AWS_DEFAULT_REGION or the AWS config's)."""
    import boto3  # noqa: PLC0415

    region = boto3.session.Session().region_name
    if not region:
        raise SystemExit("set AWS_DEFAULT_REGION (or a region in your AWS config) to deploy")
    return str(region)


def prepare(stage: str) -> list[str]:
    """Create or update the stage's tables, bucket and secret; return what was created."""
    from devtools.provision import ensure_resources  # noqa: PLC0415

    return ensure_resources(stage_settings(stage))


def main() -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["deploy", "prepare", "set-admin-token"])
    parser.add_argument("--stage", required=True, choices=DEPLOYABLE_STAGES)
    args = parser.parse_args()
    if args.command == "set-admin-token":
        from devtools.provision import set_admin_token  # noqa: PLC0415

        token = set_admin_token(stage_settings(args.stage))
        print(f"New admin token for {args.stage} (shown once; it is stored in the stage's secret):\n{token}")
        return 0
    created = prepare(args.stage)
    print(f"{args.stage}: created {', '.join(created) if created else 'nothing (all present)'}; settings applied")
    if args.command == "deploy":
        build = ROOT / "build" / args.stage
        build.mkdir(parents=True, exist_ok=True)
        project = build_project(args.stage, build, region=deploy_region())
        chalice(project, "deploy", "--stage", args.stage)
        _keep_deployed_record(project)
    return 0


def _keep_deployed_record(project: Path) -> None:
    """Copy chalice's record of deployed resources back, so later deploys and deletes find it."""
    source = project / ".chalice" / "deployed"
    if source.is_dir():
        shutil.copytree(source, ROOT / ".chalice" / "deployed", dirs_exist_ok=True)


if __name__ == "__main__":
    sys.exit(main())
