"""`make package STAGE=...`: a deployment package of what Lambda lacks, merged with the stage's infrastructure.

The Lambda Python runtime already ships boto3 and botocore, so the package holds only the app,
`chalicelib/` and the other run-time pins of requirements.txt (PynamoDB, altcha), vendored without their
dependencies. Chalice runs in a staging copy of
the project under `build/<stage>/project` whose requirements.txt is empty, so the repository's own
requirements.txt stays the honest list of run-time pins. Powertools comes from AWS's layer (the
stage's `layers` in .chalice/config.json, `{region}` filled in for the target region), not the zip.

Chalice's template is merged with `infra/template.json`, then `infra.monitoring` adds the
operations resources (tracing, log groups, alarms, dashboard, failure destinations, checkov skips).
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
from pathlib import Path

from infra import edge as site_template
from infra import identity as editors_template
from infra import monitoring as observability
from infra import site_files as site_assets

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_PROVIDED = ("boto3", "botocore")  # the Lambda Python runtime ships these


def vendored() -> list[str]:
    """Return the run-time requirements Lambda lacks: everything requirements.txt pins beyond boto3/botocore."""
    names = []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name = line.split("#")[0].partition("==")[0].strip().lower()
        if name and name not in RUNTIME_PROVIDED:
            names.append(name)
    return names


IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def pinned_version(package: str) -> str:
    """Return the version requirements.txt pins for a package."""
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        if name.strip().lower() == package:
            return version.strip()
    raise SystemExit(f"{package} is not pinned in requirements.txt")


def resolve_layer_regions(config_path: Path, region: str) -> None:
    """Fill `{region}` in every stage's layer ARNs of a staging project's Chalice config."""
    config = json.loads(config_path.read_text())
    scopes = [config, *config.get("stages", {}).values()]
    scopes += [fn for stage in config.get("stages", {}).values() for fn in stage.get("lambda_functions", {}).values()]
    for scope in scopes:
        if "layers" in scope:
            scope["layers"] = [layer.replace("{region}", region) for layer in scope["layers"]]
    config_path.write_text(json.dumps(config, indent=2))


def build_project(stage: str, build: Path, region: str | None = None) -> Path:
    """Copy the app into a staging project with PynamoDB vendored and no requirements.

    With a region (`chalice deploy`), `{region}` in layer ARNs becomes that region; without one
    (`chalice package`), the template resolves it to the stack's region.
    """
    project = build / "project"
    shutil.rmtree(project, ignore_errors=True)
    (project / ".chalice").mkdir(parents=True)
    shutil.copy2(ROOT / "app.py", project / "app.py")
    shutil.copytree(ROOT / "chalicelib", project / "chalicelib", ignore=IGNORE)
    for path in (ROOT / ".chalice").iterdir():
        if path.is_file():
            shutil.copy2(path, project / ".chalice" / path.name)
    if region is not None:
        resolve_layer_regions(project / ".chalice" / "config.json", region)
    if (ROOT / ".chalice" / "deployed").is_dir():  # chalice deploy's record of what it created
        shutil.copytree(ROOT / ".chalice" / "deployed", project / ".chalice" / "deployed")
    (project / "requirements.txt").write_text(
        "# Empty on purpose: boto3/botocore come with the Lambda runtime; the other pins are in vendor/.\n"
    )
    for package in vendored():
        installed = importlib.metadata.version(package)
        if installed != pinned_version(package):
            raise SystemExit(f"{package} {installed} is installed but {pinned_version(package)} is pinned")
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.origin is not None, package
        source = Path(spec.origin).parent
        shutil.copytree(source, project / "vendor" / package, ignore=IGNORE)
    return project


def merge_template(stage: str, build: Path) -> Path:
    """Write the infrastructure template with the stage as its Stage parameter's default."""
    template = json.loads((ROOT / "infra" / "template.json").read_text())
    template["Parameters"]["Stage"]["Default"] = stage
    path = build / "infra.json"
    path.write_text(json.dumps(template, indent=2))
    return path


def chalice(project: Path, *args: str) -> None:
    """Run the chalice CLI on the staging project."""
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    command = [str(Path(sys.executable).with_name("chalice")), "--project-dir", str(project), *args]
    subprocess.run(command, check=True, env=env)


def package(stage: str, out: Path | None = None) -> Path:
    """Build `build/<stage>/package/` (deployment.zip and sam.json); return the package directory."""
    build = out or ROOT / "build" / stage
    build.mkdir(parents=True, exist_ok=True)
    project = build_project(stage, build)
    template = merge_template(stage, build)
    target = build / "package"
    shutil.rmtree(target, ignore_errors=True)
    chalice(project, "package", "--stage", stage, "--merge-template", str(template), str(target))
    add_operations(target / "sam.json", stage)
    return target


def add_operations(path: Path, stage: str) -> None:
    """Add the operations resources and the site to the packaged template (infra.monitoring, site_template)."""
    template = json.loads(path.read_text())
    editors_template.apply(template)
    observability.apply(template)
    site_template.apply(template, stage)
    path.write_text(json.dumps(template, indent=2) + "\n")


def main() -> int:
    """Command line: python -m infra.build --stage prod."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", default="prod", choices=["dev", "prod"])
    args = parser.parse_args()
    target = package(args.stage)
    size = (target / "deployment.zip").stat().st_size
    print(f"{target / 'deployment.zip'}: {size:,} bytes; template {target / 'sam.json'}")
    snippet = site_assets.embed_snippet("https://SITE_URL", site_assets.manifest())
    print(f"Embed a poll (SITE_URL: the deployed stack's SiteUrl output):\n{snippet}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
