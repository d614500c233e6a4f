"""Benchmark 2: cold start: a fresh process imports `app` and answers its first vote, against importing the deps."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.harness import Section, Spread
from local.stack import ROOT, free_port, stage_environment, wait_for

RUNS = 15
QUICK_RUNS = 2
TOP_IMPORTS = 12
POLL_ID = "cold-start-poll"

DEPS_CHILD = """
import json, time
started = time.perf_counter()
import chalice, boto3, pynamodb
print(json.dumps({"total": time.perf_counter() - started}))
"""

APP_CHILD = """
import json, sys, time
started = time.perf_counter()
import app
imported = time.perf_counter()
answer = app.app(json.loads(sys.argv[1]), None)
done = time.perf_counter()
print(json.dumps({"import": imported - started, "vote": done - imported, "total": done - started,
                  "status": answer["statusCode"]}))
"""


def vote_event(poll_id: str, voter: str) -> dict[str, Any]:
    """An API Gateway (REST, proxy) event for POST /polls/{poll_id}/votes, as Lambda would pass it."""
    path = f"/polls/{poll_id}/votes"
    headers = {"content-type": "application/json", "host": "api.example.com"}
    return {
        "resource": "/polls/{poll_id}/votes",
        "path": path,
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"poll_id": poll_id},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/polls/{poll_id}/votes",
            "httpMethod": "POST",
            "path": f"/api{path}",
            "stage": "api",
            "requestId": voter,
            "identity": {"sourceIp": "198.51.100.7"},
        },
        "body": json.dumps({"options": ["yes"], "voter": voter}),
        "isBase64Encoded": False,
    }


def child_environment(endpoint: str) -> dict[str, str]:
    """The environment a deployed function would have, pointed at the embedded endpoint."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    env.update(stage_environment("local"))
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
            "POLL_ADMIN_TOKEN": "cold-start-admin",
            "POLL_HMAC_KEY": "cold-start-hmac-key",
        }
    )
    return env


@contextmanager
def embedded_backend() -> Iterator[dict[str, str]]:
    """moto's server on a free port with the local stage's tables and one open poll; yields the child env."""
    from moto.server import ThreadedMotoServer

    from chalicelib.runtime.settings import get_settings
    from chalicelib.services import polls
    from local.resources import ensure_resources
    from local.stack import applied_environment

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    env = child_environment(endpoint)
    try:
        wait_for(f"{endpoint}/moto-api/")
        with applied_environment(env):
            ensure_resources(get_settings())
            polls.create({"id": POLL_ID, "question": "Cold or warm?", "options": ["Yes", "No"], "challenge": "none"})
            yield env
    finally:
        server.stop()


def _child(code: str, env: dict[str, str], *args: str) -> tuple[dict[str, Any], float]:
    """Run a fresh interpreter; return what it printed and its wall time seen from here."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), wall


def import_times(env: dict[str, str]) -> tuple[list[tuple[str, int, int]], int]:
    """`python -X importtime -c 'import app'`: (module, self µs, cumulative µs) sorted by cumulative; total µs."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    entries = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            entries.append((match.group(4), int(match.group(1)), int(match.group(2)), len(match.group(3))))
    total = sum(e[2] for e in entries if e[3] == 1)  # top-level imports add up to the whole
    ranked = sorted(((name, own, cumulative) for name, own, cumulative, _ in entries), key=lambda e: -e[2])
    return ranked, total


def run(quick: bool = False) -> list[Section]:
    """Run benchmark 2."""
    runs = QUICK_RUNS if quick else RUNS
    deps, deps_wall, app_import, app_vote, app_total, app_wall = [], [], [], [], [], []
    with embedded_backend() as env:
        for index in range(runs):  # interleaved, so drift hits both alike
            printed, wall = _child(DEPS_CHILD, env)
            deps.append(printed["total"] * 1000)
            deps_wall.append(wall * 1000)
            event = json.dumps(vote_event(POLL_ID, f"cold-start-voter-{index:04d}"))
            printed, wall = _child(APP_CHILD, env, event)
            if printed["status"] != 201:
                raise RuntimeError(f"the first vote answered {printed['status']}")
            app_import.append(printed["import"] * 1000)
            app_vote.append(printed["vote"] * 1000)
            app_total.append(printed["total"] * 1000)
            app_wall.append(wall * 1000)
        ranked, total = import_times(env)
    section = Section("2. Cold start: fresh processes")
    spreads = {
        "import chalice, boto3, pynamodb (baseline)": Spread(deps),
        "import app": Spread(app_import),
        "first vote (after import)": Spread(app_vote),
        "import app + first vote": Spread(app_total),
        "process wall time: baseline child": Spread(deps_wall),
        "process wall time: app child (import + vote)": Spread(app_wall),
    }
    baseline = spreads["import chalice, boto3, pynamodb (baseline)"].median
    wall_baseline = spreads["process wall time: baseline child"].median
    rows = []
    for name, spread in spreads.items():
        reference = wall_baseline if name.startswith("process") else baseline
        rows.append([name, spread.show(0, " ms"), f"{spread.median / reference:.2f}x"])
    section.table(["measured in the child (median, min–max)", "time", "vs baseline (median ratio)"], rows)
    top = [
        [name, f"{cumulative / 1000:.1f} ms", f"{own / 1000:.1f} ms", f"{cumulative / total:.0%}"]
        for name, own, cumulative in ranked[:TOP_IMPORTS]
    ]
    section.table(["`python -X importtime -c 'import app'`: module", "cumulative", "self", "of the total"], top)
    ratio = spreads["import app + first vote"].median / baseline
    section.notes += [
        f"{runs} fresh interpreters of each kind, interleaved. Times are taken inside the child with perf_counter "
        "from its first statement, so interpreter start-up is not in them (it is in the wall-time rows).",
        "The first vote runs the handler as Lambda would (`app.app(event, context)` with an API Gateway proxy "
        "event) against moto's ThreadedMotoServer on 127.0.0.1 in the parent (AWS_ENDPOINT_URL): it reads the "
        "poll's definition and published results (one Query) and writes the vote (one TransactWriteItems: the ballot "
        "and its address prefix's window counter, the poll having the default address limit and no challenge), two "
        "local HTTP round trips; the tables were created with local.resources.ensure_resources.",
        f"Import total from -X importtime: {total / 1000:.0f} ms (one run, cumulative of the top-level imports).",
        f"Ratio (import app + first vote) / (import deps): {ratio:.2f}x.",
    ]
    section.data = {"ratio": ratio, "runs": runs, **{k: v.median for k, v in spreads.items()}}
    return [section]
