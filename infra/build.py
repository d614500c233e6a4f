"""`make package STAGE=...`: the deployment package and the stage's whole template, merged from infra/'s modules.

The Lambda Python runtime already ships boto3 and botocore, so the package holds only the app, `chalicelib/` and
the other run-time pins of requirements.txt (PynamoDB, altcha), vendored without their dependencies. Chalice runs
in a staging copy of the project under `build/<stage>/project` whose requirements.txt is empty (the repository's
own stays the honest list of run-time pins) and whose `.chalice/policy-<stage>.json` is infra/access.py's policy.

The template: `chalice package --merge-template` merges the modules that need nothing of Chalice's output (data,
identity, protection, the API's settings, the site, the stage's monitoring) into Chalice's functions and API; the
modules that follow from what Chalice generated (every function's settings, its role's policies, log groups and
failure queues, alarms) are merged the same way (Chalice's own deep merge), and the one dashboard is built last,
from the finished template. `make deploy` translates it to plain CloudFormation (infra/transform.py).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from chalice.package import TemplateDeepMerger

from infra import access, alarms, api, dashboard, data, edge, functions, identity, monitoring, protection
from infra import site_files as site_assets
from infra.names import DEPLOYABLE_STAGES, Template, stage_parameter

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_PROVIDED = ("boto3", "botocore")  # the Lambda Python runtime ships these
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")
DESCRIPTION = "polls: one stage of the poll backend (functions, API, data, sign-in, site, defences, monitoring)"


def vendored() -> list[str]:
    """Return the run-time requirements Lambda lacks: everything requirements.txt pins beyond boto3/botocore."""
    names = []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name = line.split("#")[0].partition("==")[0].strip().lower()
        if name and name not in RUNTIME_PROVIDED:
            names.append(name)
    return names


def pinned_version(package: str) -> str:
    """Return the version requirements.txt pins for a package."""
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        if name.strip().lower() == package:
            return version.strip()
    raise SystemExit(f"{package} is not pinned in requirements.txt")


def build_project(build: Path) -> Path:
    """Copy the app into a staging project with its dependencies vendored, no requirements and the IAM policy."""
    project = build / "project"
    shutil.rmtree(project, ignore_errors=True)
    (project / ".chalice").mkdir(parents=True)
    shutil.copy2(ROOT / "app.py", project / "app.py")
    shutil.copytree(ROOT / "chalicelib", project / "chalicelib", ignore=IGNORE)
    shutil.copy2(ROOT / ".chalice" / "config.json", project / ".chalice" / "config.json")
    access.write_policy_files(project, DEPLOYABLE_STAGES)
    (project / "requirements.txt").write_text(
        "# Empty on purpose: boto3/botocore come with the Lambda runtime; the other pins are in vendor/.\n"
    )
    for package in vendored():
        installed = importlib.metadata.version(package)
        if installed != pinned_version(package):
            raise SystemExit(f"{package} {installed} is installed but {pinned_version(package)} is pinned")
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.origin is not None, package
        shutil.copytree(Path(spec.origin).parent, project / "vendor" / package, ignore=IGNORE)
    return project


def merge(template: Template, fragment: Template) -> Template:
    """Merge a module's fragment into the template as `chalice package --merge-template` does (dicts deeply)."""
    merged: Template = TemplateDeepMerger().merge(fragment, template)
    return merged


def stage_fragment(stage: str) -> Template:
    """Return the modules that need nothing of Chalice's output, merged: what `--merge-template` receives."""
    fragment: Template = {"Description": DESCRIPTION, "Parameters": stage_parameter(DEPLOYABLE_STAGES, stage)}
    for part in (data.fragment(), identity.fragment(), protection.fragment(), api.fragment()):
        fragment = merge(fragment, part)
    return merge(merge(fragment, edge.fragment(stage)), monitoring.fragment())


def finish(template: Template, stage: str) -> Template:
    """Merge the modules that follow from Chalice's functions, then the one dashboard of the finished template."""
    steps: list[Callable[[Template], Template]] = [
        lambda t: functions.fragment(t, stage),
        access.fragment,
        monitoring.functions_fragment,
        alarms.fragment,
        dashboard.fragment,
    ]
    for step in steps:
        template = merge(template, step(template))
    return template


def chalice(project: Path, *args: str) -> None:
    """Run the chalice CLI on the staging project."""
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    command = [str(Path(sys.executable).with_name("chalice")), "--project-dir", str(project), *args]
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)


def package(stage: str, out: Path | None = None) -> Path:
    """Build `<out>/package/` (deployment.zip and sam.json; out: build/<stage>); return the package directory."""
    build = out or ROOT / "build" / stage
    build.mkdir(parents=True, exist_ok=True)
    project = build_project(build)
    merged = build / "infra.json"
    merged.write_text(json.dumps(stage_fragment(stage), indent=2))
    target = build / "package"
    shutil.rmtree(target, ignore_errors=True)
    chalice(project, "package", "--stage", stage, "--merge-template", str(merged), str(target))
    path = target / "sam.json"
    path.write_text(json.dumps(finish(json.loads(path.read_text()), stage), indent=2) + "\n")
    return target


def main() -> int:
    """Command line: python -m infra.build --stage prod."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", default="prod", choices=DEPLOYABLE_STAGES)
    args = parser.parse_args()
    target = package(args.stage)
    size = (target / "deployment.zip").stat().st_size
    print(f"{target / 'deployment.zip'}: {size:,} bytes; template {target / 'sam.json'}")
    snippet = site_assets.embed_snippet("https://SITE_URL", site_assets.manifest())
    print(f"Embed a poll (SITE_URL: the deployed stack's SiteUrl output):\n{snippet}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
