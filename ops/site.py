"""The site's files on a deployed stage, and where the stage's stack says things are.

`publish` puts the widget (content-named, immutable), its worker and locales, and the editors' console with its
config.json (the site's /api and the stage's user pool) into the stage's bucket, skipping what is there already,
and returns the embed snippet with its integrity hash. `make deploy` runs it after the stack; `python -m ops.deploy
publish --stage <stage>` runs it alone.
"""

from __future__ import annotations

import hashlib
from typing import Any

from infra import site_files as site_assets
from infra.names import EDGE_SECRET_NAME, Template


def stack_outputs(cfn: Any, stack: str, template: Template | None = None) -> dict[str, str]:
    """Return a stack's outputs by key.

    An emulator that reports no outputs (moto, after a change set) still names each resource: outputs that are a
    plain Ref of the template are then read from the stack's resources.
    """
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    found = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", []) if o.get("OutputValue")}
    refs = {k: o["Value"]["Ref"] for k, o in (template or {}).get("Outputs", {}).items() if "Ref" in o["Value"]}
    if set(refs) - set(found):
        physical = {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack)
            for r in page["StackResourceSummaries"]
            if r.get("LogicalResourceId") and r.get("PhysicalResourceId")
        }
        found.update({k: physical[r] for k, r in refs.items() if k not in found and r in physical})
    return found


def edge_key_rotation(secretsmanager: Any, stage: str) -> str:
    """Return the EdgeKeyRotation parameter: "0" until the edge secret is first rotated, then its current version.

    A new value after each rotation makes CloudFormation resolve the secret again where it is used; a secret never
    rotated keeps "0", so a redeploy of an unchanged stage stays a no-op.
    """
    try:
        versions = secretsmanager.describe_secret(SecretId=EDGE_SECRET_NAME.format(stage=stage))["VersionIdsToStages"]
    except secretsmanager.exceptions.ResourceNotFoundException:
        return "0"
    if not any("AWSPREVIOUS" in stages for stages in versions.values()):
        return "0"
    return next((v for v, stages in versions.items() if "AWSCURRENT" in stages), "0")


def console_config(site_url: str, region: str, pool_id: str | None, client_id: str | None) -> dict[str, Any] | None:
    """Return the console's config.json for a deployed site, or None without an editors' pool."""
    if not pool_id or not client_id:
        return None
    cognito = {"endpoint": "", "region": region, "userPoolId": pool_id, "clientId": client_id}
    return {"api": site_url.rstrip("/") + "/api", "cognito": cognito}


def unchanged(s3: Any, bucket: str, asset: site_assets.Asset) -> bool:
    """Tell whether the bucket already holds this asset, byte for byte and served the same way."""
    try:
        head = s3.head_object(Bucket=bucket, Key=asset.key)
    except s3.exceptions.ClientError:
        return False
    same_body = head.get("ETag", "").strip('"') == hashlib.md5(asset.body, usedforsecurity=False).hexdigest()
    return (
        same_body and head.get("CacheControl") == asset.cache_control and head.get("ContentType") == asset.content_type
    )


def publish(s3: Any, bucket: str, site_url: str, console: dict[str, Any] | None) -> tuple[str, int]:
    """Upload the site's files that changed; return the embed snippet (with its integrity hash) and how many."""
    assets = site_assets.widget_assets()
    if console is not None:
        assets += site_assets.console_assets(console)
    changed = [asset for asset in assets if not unchanged(s3, bucket, asset)]
    site_assets.upload(s3, bucket, changed)
    return site_assets.embed_snippet(site_url, site_assets.manifest()), len(changed)
