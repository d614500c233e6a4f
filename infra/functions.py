"""Every function's settings, over what Chalice generates: its name, memory, timeout and reserved concurrency per
stage, X-Ray tracing, the Powertools layer, an environment of resource references, and how failures are kept.

Chalice finds the functions in app.py (routes, the schedule, stream consumers); this module finds them in Chalice's
template and fails the build for a function it has no settings for. A stream consumer (an `on_dynamodb_record`
handler) reads the stream of the table `STREAM_CONSUMERS` names for it, with retries, bisection and an on-failure
queue; a scheduled (asynchronous) function gets retries, a maximum event age and an on-failure queue.
Powertools comes from AWS's layer for the stack's region, never the zip; `PowertoolsLayerArn` replaces it (the
deploy publishes a stand-in on an emulator, which has no AWS layers). The share cards' functions (`CARD_FUNCTIONS`)
also get the card layer (`CardLayer`: Pillow, arabic-reshaper, python-bidi and the fonts, built by infra/build.py),
which no other function has, so the API's zip and cold start stay small; the API gets the token layer
(`TokenLayer`: cryptography, which verifies Private Access Tokens), imported only where the stage trusts issuers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from pynamodb.models import Model

from chalicelib.store.dynamo import models
from infra.data import TABLES, table_name, table_of
from infra.names import (
    API_HANDLER,
    APP_SECRET,
    APP_SECRET_NAME,
    BUCKET_NAME,
    CARD_LAYER,
    CARD_LAYER_FILE,
    CARD_LAYER_NAME,
    CONSOLE_CLIENT,
    EDGE_SECRET,
    EDGE_SECRET_NAME,
    POWERTOOLS_LAYER_ARN,
    RESULTS_BUCKET,
    SITE_URL,
    STAGE,
    TOKEN_LAYER,
    TOKEN_LAYER_FILE,
    TOKEN_LAYER_NAME,
    USER_POOL,
    Template,
    failure_queue,
    function_key,
    function_name,
    functions,
    get_att,
    invocation,
    named,
    ref,
    skips,
    sub,
)

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Function:
    """One function's size and limits: memory (MB), timeout (s) and reserved concurrency per stage."""

    timeout: int
    reserved: dict[str, int] = field(default_factory=dict)
    memory: int = 512


# Reserved concurrency caps how hard a spike can hit DynamoDB (the API), keeps runs from overlapping (the schedule).
FUNCTIONS = {
    "api_handler": Function(timeout=10, reserved={"dev": 20, "prod": 400}),
    "snapshot_results": Function(timeout=120, reserved={"dev": 1, "prod": 1}),
    "publish_results": Function(timeout=60, reserved={"dev": 2, "prod": 2}),
    # One concurrent batch per stream shard of the ballots table: a 100,000 votes/s poll needs about 400
    # (`python -m ops.capacity 100000`), and fewer than that throttles the fold, so votes are counted late.
    "fold_ballots": Function(timeout=60, reserved={"dev": 10, "prod": 400}),
    # The share cards: drawing takes about 0.2 s a card (BENCHMARKS.md 10) and Pillow wants memory.
    "render_cards": Function(timeout=120, reserved={"dev": 1, "prod": 2}, memory=1024),
    "refresh_cards": Function(timeout=300, reserved={"dev": 1, "prod": 1}, memory=1024),
    # The analytics export: a day of every poll, resumable (services/exports.py stops starting polls at 780 s).
    "export_ballots": Function(timeout=900, reserved={"dev": 1, "prod": 1}, memory=1024),
}
CARD_FUNCTIONS = ("render_cards", "refresh_cards")  # the only functions with the card layer
# The API has the token layer whether or not the stage names Privacy Pass issuers: PRIVATE_TOKEN_ISSUERS turns the
# feature on without another package, and nothing in the layer is imported until a token key is read.
TOKEN_FUNCTIONS = ("api_handler",)
# Which table's stream each stream consumer reads (the handler's name in app.py: the model of the table).
STREAM_CONSUMERS: dict[str, type[Model]] = {
    "fold_ballots": models.BallotModel,
    "publish_results": models.PollModel,
    "render_cards": models.PollModel,
}
# How each consumer's event source treats a failing batch. The results publisher's batches are superseded by newer
# changes and the minute job: a few retries, then the failure queue. The fold's records are the votes themselves:
# it never gives a record up (retried until it passes, bisected to isolate a bad one; a record is applied exactly
# once however often it is delivered), and its tumbling window names the stream shard whose tally it writes.
STREAM_SOURCES: dict[str, Template] = {
    "publish_results": {
        "MaximumRetryAttempts": 5,
        "BisectBatchOnFunctionError": True,  # halve a failing batch to isolate a bad record
        "MaximumRecordAgeInSeconds": 3600,  # an hour-old batch is superseded by newer changes and the minute job
    },
    "render_cards": {  # as the results publisher: a failed render is redone by refresh_cards within CARD_EVERY
        "MaximumRetryAttempts": 3,
        "BisectBatchOnFunctionError": True,
        "MaximumRecordAgeInSeconds": 3600,
    },
    "fold_ballots": {
        "MaximumRetryAttempts": -1,
        "BisectBatchOnFunctionError": True,
        "MaximumRecordAgeInSeconds": -1,
        "TumblingWindowInSeconds": 1,
    },
}
ASYNC_INVOKE = {
    "MaximumRetryAttempts": 2,
    # A run that could not start for 10 minutes (throttled behind a slow one) is superseded by newer runs; it goes
    # to the failure queue instead of waiting up to Lambda's default 6 hours.
    "MaximumEventAgeInSeconds": 600,
}
# AWS's Powertools layer (version 25 is Powertools 3.22.0: keep it and requirements-dev.txt's pin in step).
POWERTOOLS_LAYER = "arn:aws:lambda:${AWS::Region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python311-x86_64:25"
POWERTOOLS_PYTHON = re.compile(r":layer:AWSLambdaPowertoolsPythonV3-(python\d+)-")
USES_AWS_POWERTOOLS = "UsesAwsPowertoolsLayer"
PARAMETERS: Template = {
    POWERTOOLS_LAYER_ARN: {
        "Type": "String",
        "Default": "",
        "Description": "Empty: AWS's Powertools layer for the stack's region. Else a layer version ARN to use instead "
        "(the deploy publishes a stand-in on an emulator, which has no AWS layers).",
    }
}
CHECKS = {
    "CKV_AWS_117": "Calls only AWS public endpoints (DynamoDB, S3, Secrets Manager); a VPC would add NAT or "
    "endpoint cost and cold-start time with no private resource to reach",
    "CKV_AWS_173": "The environment holds only resource names and tuning numbers; secrets are read from "
    "Secrets Manager at run time",
}
DEAD_LETTERS = {  # CKV_AWS_116, by how the function is invoked
    "api": "Invoked synchronously by API Gateway; a dead-letter queue applies only to asynchronous invocations",
    "async": "Failed asynchronous runs go to the on-failure destination (EventInvokeConfig to an encrypted SQS "
    "queue), which records the error as well as the event",
    "stream": "Invoked by the DynamoDB event source mapping: failed batches go to its on-failure queue",
}


def environment(logical_id: str) -> Template:
    """Return the variables a function gets from the template: its stage and the resources it uses, by reference."""
    variables: Template = {"STAGE": ref(STAGE)}
    variables.update({table.variable: ref(table.logical_id) for table in TABLES})
    variables.update(RESULTS_BUCKET=ref(RESULTS_BUCKET), SECRET_ID=ref(APP_SECRET), SITE_URL=ref(SITE_URL))
    if logical_id == API_HANDLER:  # the editors' sign-in and the edge key are the API's alone
        variables.update(
            EDGE_SECRET_ID=ref(EDGE_SECRET), USER_POOL_ID=ref(USER_POOL), USER_POOL_CLIENT_IDS=ref(CONSOLE_CLIENT)
        )
    return variables


def stage_environment(stage: str) -> dict[str, str]:
    """Return the environment the app runs with in a stage, the resources named (for operator commands)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env = {
        **config.get("environment_variables", {}),
        **config["stages"].get(stage, {}).get("environment_variables", {}),
    }
    if stage != "local":  # the deployed stages' resources are named by the template
        env.update({"STAGE": stage, **{t.variable: table_name(t).format(stage=stage) for t in TABLES}})
        env.update(RESULTS_BUCKET=BUCKET_NAME.format(stage=stage), SECRET_ID=APP_SECRET_NAME.format(stage=stage))
        env["EDGE_SECRET_ID"] = EDGE_SECRET_NAME.format(stage=stage)
    return env


def stream_source(handler: str, logical_id: str, event: Template) -> Template:
    """Return a stream consumer's event source: its table's stream, retries, bisection and its failure queue."""
    if handler not in STREAM_CONSUMERS:
        raise SystemExit(f"{handler} reads a DynamoDB stream: name its table in infra/functions.py STREAM_CONSUMERS")
    table = table_of(STREAM_CONSUMERS[handler])
    if not table.stream:
        raise SystemExit(f"{handler} reads {table.logical_id}'s stream, which infra/data.py does not turn on")
    return {
        **event,
        "Properties": {
            **event["Properties"],
            "Stream": get_att(table.logical_id, "StreamArn"),
            **STREAM_SOURCES[handler],
            "DestinationConfig": {"OnFailure": {"Destination": get_att(failure_queue(logical_id), "Arn")}},
        },
    }


def layers(runtime: str, key: str = "") -> list[Template]:
    """Return the function's layers: AWS's Powertools for the stack's region, unless PowertoolsLayerArn is set, the
    card layer for the share cards' functions and the token layer for the API."""
    built_for = POWERTOOLS_PYTHON.search(POWERTOOLS_LAYER)
    if built_for and built_for.group(1) != runtime.replace(".", ""):
        raise SystemExit(f"the Powertools layer is built for {built_for.group(1)} but the function runs {runtime}")
    found: list[Template] = [{"Fn::If": [USES_AWS_POWERTOOLS, sub(POWERTOOLS_LAYER), ref(POWERTOOLS_LAYER_ARN)]}]
    found += [ref(CARD_LAYER)] if key in CARD_FUNCTIONS else []
    return found + ([ref(TOKEN_LAYER)] if key in TOKEN_FUNCTIONS else [])


def layer(name: str, description: str, file: str, runtime: str) -> Template:
    """Return a layer's resource; its content is the package's zip of that name (the deploy sets where)."""
    return {
        "Type": "AWS::Lambda::LayerVersion",
        "Properties": {
            "LayerName": named(name),
            "Description": description,
            "Content": {"S3Bucket": "polls-artifacts", "S3Key": file},
            "CompatibleRuntimes": [runtime],
            "CompatibleArchitectures": ["x86_64"],
        },
    }


def card_layer(runtime: str) -> Template:
    """Return the card layer's resource (cards-layer.zip)."""
    description = "Share cards: Pillow, arabic-reshaper, python-bidi (requirements-cards.txt), Noto fonts"
    return layer(CARD_LAYER_NAME, description, CARD_LAYER_FILE, runtime)


def token_layer(runtime: str) -> Template:
    """Return the token layer's resource (tokens-layer.zip)."""
    description = "Private Access Tokens: cryptography (requirements-tokens.txt)"
    return layer(TOKEN_LAYER_NAME, description, TOKEN_LAYER_FILE, runtime)


def settings(logical_id: str, function: Template, stage: str) -> Template:
    """Return one function's settings, merged over Chalice's function."""
    key = function_key(logical_id, function)
    if key not in FUNCTIONS:
        raise SystemExit(f"infra/functions.py FUNCTIONS has no settings for the function {key}")
    limits, kind = FUNCTIONS[key], invocation(function)
    properties: Template = {
        "FunctionName": named(function_name(logical_id, function)),
        "MemorySize": limits.memory,
        "Timeout": limits.timeout,
        "Tracing": "Active",
        "Layers": layers(function["Properties"]["Runtime"], key),
        "Environment": {"Variables": environment(logical_id)},
    }
    if stage in limits.reserved:
        properties["ReservedConcurrentExecutions"] = limits.reserved[stage]
    if kind == "stream":
        events = function["Properties"]["Events"]
        properties["Events"] = {name: stream_source(key, logical_id, event) for name, event in events.items()}
    if kind == "async":
        destination = {"Type": "SQS", "Destination": get_att(failure_queue(logical_id), "Arn")}
        properties["EventInvokeConfig"] = {**ASYNC_INVOKE, "DestinationConfig": {"OnFailure": destination}}
    return {"Metadata": skips({"CKV_AWS_116": DEAD_LETTERS[kind], **CHECKS}), "Properties": properties}


def fragment(app: Template, stage: str) -> Template:
    """Return every function's settings, to merge over Chalice's template, and the layer's parameter."""
    found = functions(app)
    resources = {logical_id: settings(logical_id, fn, stage) for logical_id, fn in found.items()}
    runtimes = {fn["Properties"]["Runtime"] for fn in found.values()}
    resources[CARD_LAYER] = card_layer(sorted(runtimes)[0])
    resources[TOKEN_LAYER] = token_layer(sorted(runtimes)[0])
    return {
        "Parameters": PARAMETERS,
        "Conditions": {USES_AWS_POWERTOOLS: {"Fn::Equals": [ref(POWERTOOLS_LAYER_ARN), ""]}},
        "Resources": resources,
    }
