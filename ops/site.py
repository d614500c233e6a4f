"""Putting a stage's site in place: the site stack of `make deploy` (path 1) and the site's files (both paths).

Path 1: after `chalice deploy`, `deploy_site` creates or updates the stack `polls-<stage>-site` from
`infra.edge.site_stack` with the API's domain from Chalice's record of what it deployed.
Both paths then `publish`: the widget (content-named, immutable), its worker and locales, and the editors' console
with its config.json go to the stage's bucket, and the embed snippet with its integrity hash is printed.
Path 2 runs `python -m ops.deploy publish-site --stage <stage>` after `aws cloudformation deploy`: the site's
URL, the bucket and the editors' pool come from the stack's outputs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra import site_files as site_assets
from infra.edge import site_stack

SITE_STACK = "polls-{stage}-site"
APP_STACK = "polls-{stage}"
EDGE_SECRET = "polls/{stage}/edge"


def api_domain(deployed: Path, stage: str, region: str) -> str:
    """Return the REST API's execute-api domain from Chalice's record of a `chalice deploy` (.chalice/deployed)."""
    record = json.loads((deployed / f"{stage}.json").read_text())
    for resource in record.get("resources", []):
        if resource.get("resource_type") == "rest_api":
            return f"{resource['rest_api_id']}.execute-api.{region}.amazonaws.com"
    raise SystemExit(f"no REST API in {deployed / f'{stage}.json'}: run `chalice deploy` first")


def edge_key_version(secretsmanager: Any, stage: str) -> str:
    """Return the current version id of the stage's edge secret ("0" before the site stack created it)."""
    try:
        versions = secretsmanager.describe_secret(SecretId=EDGE_SECRET.format(stage=stage))["VersionIdsToStages"]
    except secretsmanager.exceptions.ResourceNotFoundException:
        return "0"
    return next((v for v, stages in versions.items() if "AWSCURRENT" in stages), "0")


def deploy_site(cloudformation: Any, stage: str, domain: str, edge_version: str = "0") -> dict[str, str]:
    """Create or update the site stack of a `make deploy` stage; wait for it; return its outputs.

    `edge_version` (the edge secret's current version) changes after a rotation, so the stack takes the new key.
    """
    name = SITE_STACK.format(stage=stage)
    arguments = {
        "StackName": name,
        "TemplateBody": json.dumps(site_stack(stage)),
        "Parameters": [
            {"ParameterKey": "Stage", "ParameterValue": stage},
            {"ParameterKey": "ApiDomain", "ParameterValue": domain},
            {"ParameterKey": "EdgeKeyRotation", "ParameterValue": edge_version},
        ],
    }
    try:
        cloudformation.describe_stacks(StackName=name)
        exists = True
    except cloudformation.exceptions.ClientError:
        exists = False
    if exists:
        try:
            cloudformation.update_stack(**arguments)
            cloudformation.get_waiter("stack_update_complete").wait(StackName=name)
        except cloudformation.exceptions.ClientError as exc:
            if "No updates are to be performed" not in str(exc):
                raise
    else:
        cloudformation.create_stack(**arguments)
        cloudformation.get_waiter("stack_create_complete").wait(StackName=name)
    return stack_outputs(cloudformation, name)


def stack_outputs(cloudformation: Any, name: str) -> dict[str, str]:
    """Return a stack's outputs by key."""
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def console_config(site_url: str, region: str, pool_id: str | None, client_id: str | None) -> dict[str, Any] | None:
    """Return the console's config.json for a deployed site, or None without an editors' pool."""
    if not pool_id or not client_id:
        return None
    cognito = {"endpoint": "", "region": region, "userPoolId": pool_id, "clientId": client_id}
    return {"api": site_url.rstrip("/") + "/api", "cognito": cognito}


def publish(s3: Any, bucket: str, site_url: str, console: dict[str, Any] | None) -> str:
    """Upload the site's files to the bucket; return the embed snippet (with its integrity hash) to print."""
    assets = site_assets.widget_assets()
    if console is not None:
        assets += site_assets.console_assets(console)
    site_assets.upload(s3, bucket, assets)
    return site_assets.embed_snippet(site_url, site_assets.manifest())
