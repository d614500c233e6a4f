"""The packaged template as plain CloudFormation: SAM's transform run here, with AWS's own translator, so that AWS
and an emulator (moto, whose CloudFormation has no transforms) receive the same template.

The functions' code is the deployment package's S3 object (uploaded under a key derived from its content, so an
unchanged app is an unchanged template), each layer's (the cards', the tokens') its own zip's, uploaded the same
way. SAM writes the REST API's deployment and stage from Chalice's definition; they are made conditional on
`DeploysRestApi` (infra/api.py), as the WAF's association with the stage already is.
"""

from __future__ import annotations

import copy

from infra.names import DEPLOYS_REST_API, Template

API_DEPLOYMENT_TYPES = ("AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage")


class TransformFailed(Exception):
    """SAM's translator refused the template; the message lists why."""


def expand(
    template: Template, region: str, code_bucket: str, code_key: str, layer_keys: dict[str, str] | None = None
) -> Template:
    """Return the template with SAM's resources translated to CloudFormation's, the code at s3://bucket/key (each
    layer's, by its logical id, at s3://bucket/layer_keys[id])."""
    import boto3  # noqa: PLC0415 - only the deploy translates
    from samtranslator.model.exceptions import InvalidDocumentException  # noqa: PLC0415
    from samtranslator.parser.parser import Parser  # noqa: PLC0415
    from samtranslator.translator.translator import Translator  # noqa: PLC0415

    sam = copy.deepcopy(template)
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = {"Bucket": code_bucket, "Key": code_key}
    for logical_id, layer_key in (layer_keys or {}).items():
        if logical_id in sam["Resources"]:
            sam["Resources"][logical_id]["Properties"]["Content"] = {"S3Bucket": code_bucket, "S3Key": layer_key}
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    try:
        expanded: Template = translator.translate(sam, parameter_values={}, get_managed_policy_map=dict)
    except InvalidDocumentException as exc:
        raise TransformFailed("; ".join(str(cause) for cause in exc.causes)) from exc
    for resource in expanded["Resources"].values():
        if resource["Type"] in API_DEPLOYMENT_TYPES:
            resource["Condition"] = DEPLOYS_REST_API
    return expanded
