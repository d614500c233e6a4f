"""The names infra/'s modules share: logical ids, parameters and conditions one module may reference in another's
resources, the stage's physical names, the helpers that write them, and how Chalice's output is read.

Each module of infra/ defines its own resources; it refers to another module's only through a name here (tables:
`infra.data.TABLES`, one per model). Physical names are patterns with `{stage}`: `.format(stage="dev")` gives the
name, `named(pattern)` the template's Fn::Sub of it, so an operator command and the template cannot disagree.
"""

from __future__ import annotations

from typing import Any

Template = dict[str, Any]

# Parameters.
STAGE = "Stage"
ALARM_EMAIL = "AlarmEmail"
LOG_RETENTION_DAYS = "LogRetentionDays"
SITE_URL = "SiteUrl"
EDGE_KEY_ROTATION = "EdgeKeyRotation"
POWERTOOLS_LAYER_ARN = "PowertoolsLayerArn"
REST_API_DEPLOYMENT = "RestApiDeployment"
DEPLOYABLE_STAGES = ("dev", "prod")

# Conditions.
DEPLOYS_REST_API = "DeploysRestApi"  # false only on an emulator that cannot deploy a REST API from its definition

# Chalice's logical ids (its API function and REST API) and SAM's for the API's stage.
API_HANDLER = "APIHandler"
REST_API = "RestAPI"
API_STAGE_NAME = "api"  # Chalice's default api_gateway_stage: the API's URLs end in /api/
API_STAGE = f"{REST_API}{API_STAGE_NAME}Stage"

# Our logical ids that other modules reference.
RESULTS_BUCKET = "ResultsBucket"
APP_SECRET = "AppSecret"
EDGE_SECRET = "EdgeSecret"
USER_POOL = "EditorsUserPool"
CONSOLE_CLIENT = "ConsoleClient"
OPERATIONS_KEY = "OperationsKey"
ALARM_TOPIC = "AlarmTopic"
API_ACCESS_LOG_GROUP = "ApiAccessLogGroup"
DISTRIBUTION = "SiteDistribution"
DASHBOARD = "OperationsDashboard"

# Physical names.
STACK_NAME = "polls-{stage}"
API_NAME = "polls-{stage}"  # the REST API's name, hence the ApiName dimension of its metrics
BUCKET_NAME = "poll-results-{stage}"
APP_SECRET_NAME = "polls/{stage}"
EDGE_SECRET_NAME = "polls/{stage}/edge"
USER_POOL_NAME = "polls-{stage}-editors"
CONSOLE_CLIENT_NAME = "polls-{stage}-console"
ALARM_NAME = "polls-{stage}-{slug}"
API_FUNCTION_NAME = "polls-{stage}"  # as Chalice's own deploys name them
FUNCTION_NAME = "polls-{stage}-{handler}"
CARD_LAYER = "CardLayer"  # the share cards' layer (Pillow, arabic-reshaper, python-bidi, the fonts)
CARD_LAYER_NAME = "polls-{stage}-cards"
CARD_LAYER_FILE = "cards-layer.zip"  # beside deployment.zip in the package; the deploy uploads it
TOKEN_LAYER = "TokenLayer"  # the API's layer for Private Access Tokens (cryptography)
TOKEN_LAYER_NAME = "polls-{stage}-tokens"
TOKEN_LAYER_FILE = "tokens-layer.zip"  # beside deployment.zip in the package; the deploy uploads it

# Resource types the local stack's interpreter creates or completes from these definitions (local/interpreter.py).
TABLE_TYPE = "AWS::DynamoDB::Table"
BUCKET_TYPE = "AWS::S3::Bucket"
SECRET_TYPE = "AWS::SecretsManager::Secret"
USER_POOL_TYPE = "AWS::Cognito::UserPool"
USER_POOL_GROUP_TYPE = "AWS::Cognito::UserPoolGroup"
USER_POOL_CLIENT_TYPE = "AWS::Cognito::UserPoolClient"

# Headers the site and the API's defences agree on.
EDGE_HEADER = "X-Origin-Verify"  # CloudFront's origin header carrying the edge secret: the request came through it
VIEWER_IP_HEADER = "X-Viewer-Ip"  # the reader's address, set by the site's viewer-request function on /api/*

ASYNC_EVENT_TYPES = {"Schedule", "ScheduleV2", "CloudWatchEvent", "EventBridgeRule", "S3", "SNS"}
STREAM_EVENT_TYPES = {"DynamoDB"}


def sub(text: str) -> dict[str, Any]:
    """Return an Fn::Sub of the text."""
    return {"Fn::Sub": text}


def ref(name: str) -> dict[str, str]:
    """Return a Ref to a parameter or resource."""
    return {"Ref": name}


def get_att(logical_id: str, attribute: str) -> dict[str, list[str]]:
    """Return an Fn::GetAtt of a resource's attribute."""
    return {"Fn::GetAtt": [logical_id, attribute]}


def named(pattern: str, **fields: str) -> dict[str, Any]:
    """Return the Fn::Sub that names a resource of the stack's stage by one of the patterns above."""
    return sub(pattern.format(stage="${Stage}", **fields))


def skips(reasons: dict[str, str]) -> Template:
    """Return the Metadata that makes checkov skip these checks on a resource, each with its reason."""
    return {"checkov": {"skip": [{"id": check, "comment": reason} for check, reason in reasons.items()]}}


def failure_queue(function_id: str) -> str:
    """Return the logical id of a function's on-failure queue."""
    return f"{function_id}FailureQueue"


def log_group(function_id: str) -> str:
    """Return the logical id of a function's log group."""
    return f"{function_id}LogGroup"


def functions(template: Template) -> dict[str, Template]:
    """Return Chalice's functions in a template, by logical id."""
    return {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}


def handler_name(function: Template) -> str:
    """Return the name of a function's handler in app.py (`app` for the API's)."""
    return str(function["Properties"]["Handler"]).rsplit(".", 1)[-1]


def function_key(logical_id: str, function: Template) -> str:
    """Return the name Chalice's config gives a function: `api_handler`, or its handler's name."""
    return "api_handler" if logical_id == API_HANDLER else handler_name(function)


def function_name(logical_id: str, function: Template) -> str:
    """Return the pattern of a function's name: polls-<stage>[-<handler>]."""
    if logical_id == API_HANDLER:
        return API_FUNCTION_NAME
    return FUNCTION_NAME.format(stage="{stage}", handler=handler_name(function))


def invocation(function: Template) -> str:
    """Tell how a function is invoked: `stream` (an event source mapping), `async` (a schedule...) or `api`."""
    kinds = {event["Type"] for event in function["Properties"].get("Events", {}).values()}
    if kinds & STREAM_EVENT_TYPES:
        return "stream"
    return "async" if kinds & ASYNC_EVENT_TYPES else "api"


def substitutions(stage: str, region: str) -> dict[str, str]:
    """Return what the Stage parameter and the pseudo parameters resolve to in a stage and region."""
    return {STAGE: stage, "AWS::Region": region, "AWS::Partition": "aws"}


def stage_parameter(stages: tuple[str, ...], default: str) -> Template:
    """Return the Stage parameter: it names every resource."""
    return {
        STAGE: {
            "Type": "String",
            "AllowedValues": list(stages),
            "Default": default,
            "Description": "The Chalice stage; names every resource.",
        }
    }
