"""A stage's data on an AWS endpoint (moto: the local stack, the tests): deployed from infra/'s own definitions.

infra/data.py's tables, bucket and secret go to the endpoint's CloudFormation as the stack `polls-<stage>`, as the
deployed stages get them; what that CloudFormation passes over but the endpoint's APIs serve (moto: the secret, and
the tables' TTL and recovery, the bucket's versioning and public access block) local/interpreter.py creates or
applies from the same definitions. Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

from chalicelib.runtime.clients import client
from chalicelib.runtime.settings import Settings
from infra import data
from infra.names import STACK_NAME, Template, stage_parameter, substitutions
from local import interpreter


def data_template(stage: str) -> Template:
    """Return the template of a stage's data alone: infra/data.py's fragment with the stage as its parameter."""
    return {"AWSTemplateFormatVersion": "2010-09-09", "Parameters": stage_parameter((stage,), stage), **data.fragment()}


def deployed(cfn: Any, stack: str) -> dict[str, str]:
    """Return the physical id of each resource a stack has (none when there is no such stack)."""
    try:
        resources = cfn.describe_stack_resources(StackName=stack)["StackResources"]
    except cfn.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return {}
        raise
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources if r.get("LogicalResourceId")}


def ensure_resources(settings: Settings) -> list[str]:
    """Create the stage's tables, bucket and secret where missing; return the names of those created."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # moto warns of each type its CloudFormation passes over
        return _ensure(settings)


def _ensure(settings: Settings) -> list[str]:
    """Deploy the data stack (or update it), then create what the endpoint's CloudFormation passed over."""
    template = data_template(settings.stage)
    cfn, stack = client("cloudformation"), STACK_NAME.format(stage=settings.stage)
    before = deployed(cfn, stack)
    if before:
        try:
            cfn.update_stack(StackName=stack, TemplateBody=json.dumps(template))
        except cfn.exceptions.ClientError as exc:
            if "No updates are to be performed" not in str(exc):
                raise
    else:
        cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template))
    after = deployed(cfn, stack)
    interpreter.complete({k: template["Resources"][k] for k in set(after) - set(before)}, after, client)
    skipped = {k: r for k, r in template["Resources"].items() if k not in after}
    made, new = interpreter.create(skipped, substitutions(settings.stage, settings.region), client)
    return sorted({after[k] for k in set(after) - set(before)} | {made[k] for k in new})
