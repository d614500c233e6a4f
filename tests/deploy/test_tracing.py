"""X-Ray tracing: started in Lambda (botocore patched, so DynamoDB and S3 calls are subsegments), never elsewhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

CHILD = """
import json, sys
import app
from chalicelib.runtime import observability
patched = []
if "aws_xray_sdk" in sys.modules:
    from aws_xray_sdk.core import patcher
    patched = sorted(patcher._PATCHED_MODULES)
print(json.dumps({"tracing": observability.start_tracing(), "xray_imported": "aws_xray_sdk" in sys.modules,
                  "patched": patched}))
"""


@pytest.mark.parametrize(
    ("lambda_env", "tracing", "xray_imported"),
    [
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_LAMBDA_FUNCTION_NAME": "polls-prod"}, True, True),
        ({}, False, False),  # chalice local, tests, benchmarks
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_CHALICE_CLI_MODE": "true"}, False, False),
    ],
)
def test_tracing_starts_in_lambda_only_and_patches_botocore(lambda_env, tracing, xray_imported):
    env = {k: v for k, v in os.environ.items() if k not in ("LAMBDA_TASK_ROOT", "AWS_CHALICE_CLI_MODE")}
    env.update(lambda_env, AWS_XRAY_CONTEXT_MISSING="IGNORE_ERROR")
    result = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert (found["tracing"], found["xray_imported"]) == (tracing, xray_imported)
    if tracing:
        assert "botocore" in found["patched"]
