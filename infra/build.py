"""`make package STAGE=...`: the deployment package and the stage's whole template, merged from infra/'s modules.

The Lambda Python runtime already ships boto3 and botocore, so the package holds only the app, `chalicelib/` and
the other run-time pins of requirements.txt (PynamoDB, altcha), vendored without their dependencies. Chalice runs
in a staging copy of the project under `build/<stage>/project` whose requirements.txt is empty (the repository's
own stays the honest list of run-time pins) and whose `.chalice/policy-<stage>.json` is infra/access.py's policy.

The card layer (`cards-layer.zip` beside the zip): requirements-cards.txt (Pillow, arabic-reshaper, python-bidi)
installed for Lambda's platform (manylinux2014 x86_64 wheels for the runtime's Python) under `python/`, and the
vendored fonts under `fonts/` (the renderer reads /opt/fonts). The token layer (`tokens-layer.zip`), the API
function's: requirements-tokens.txt (cryptography, for Private Access Tokens) the same way. Each is built once per
content, kept under build/layers/.

The template: `chalice package --merge-template` merges the modules that need nothing of Chalice's output (data,
identity, protection, the API's settings, the site, the stage's monitoring) into Chalice's functions and API; the
modules that follow from what Chalice generated (every function's settings, its role's policies, log groups and
failure queues, alarms) are merged the same way (Chalice's own deep merge), and the one dashboard is built last,
from the finished template. `make deploy` translates it to plain CloudFormation (infra/transform.py).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from chalice.package import TemplateDeepMerger

from infra import access, alarms, analytics, api, dashboard, data, edge, functions, identity, monitoring, protection
from infra import site_files as site_assets
from infra.names import CARD_LAYER_FILE, DEPLOYABLE_STAGES, TOKEN_LAYER_FILE, Template, stage_parameter

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_PROVIDED = ("boto3", "botocore")  # the Lambda Python runtime ships these
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")
CARD_REQUIREMENTS = ROOT / "requirements-cards.txt"
TOKEN_REQUIREMENTS = ROOT / "requirements-tokens.txt"
FONTS = ROOT / "fonts"
LAMBDA_PLATFORM = "manylinux2014_x86_64"
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
        module = package.replace("-", "_")  # a distribution's import name (glin-profanity: glin_profanity)
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None, package
        shutil.copytree(Path(spec.origin).parent, project / "vendor" / module, ignore=IGNORE)
    return project


def _zip_tree(out: Path, files: list[tuple[str, Path]]) -> None:
    """Write a zip of files (name in the zip, path) with fixed times, so the same files make the same bytes."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in sorted(files):
            archive.writestr(zipfile.ZipInfo(name), path.read_bytes(), zipfile.ZIP_DEFLATED)


def _layer(target: Path, kind: str, requirements: Path, extra: list[tuple[str, Path]], file: str) -> Path:
    """Put a layer's zip in target: the requirements installed for Lambda's platform under python/, and the extra
    files; built once per content, kept under build/layers/."""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"  # Chalice's runtime is the building Python's
    digest = hashlib.sha256(f"{python} {LAMBDA_PLATFORM}".encode() + requirements.read_bytes())
    for name, path in extra:
        digest.update(name.encode() + hashlib.sha256(path.read_bytes()).digest())
    cached = ROOT / "build" / "layers" / f"{kind}-{digest.hexdigest()[:16]}.zip"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            site = Path(tmp) / "python"
            pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
            pip += ["--platform", LAMBDA_PLATFORM, "--only-binary=:all:", "--implementation", "cp"]
            pip += ["--python-version", python, "--target", str(site), "-r", str(requirements)]
            subprocess.run(pip, check=True, stdout=subprocess.DEVNULL)
            files = [
                (f"python/{path.relative_to(site).as_posix()}", path)
                for path in site.rglob("*")
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
            ]
            partial = cached.with_suffix(".partial")
            _zip_tree(partial, files + extra)
            partial.replace(cached)
    shutil.copy2(cached, target / file)
    return target / file


def card_layer(target: Path) -> Path:
    """Put the card layer's zip in target (built once per content of requirements-cards.txt and fonts/)."""
    fonts = sorted(path for path in FONTS.iterdir() if path.is_file())
    return _layer(target, "cards", CARD_REQUIREMENTS, [(f"fonts/{path.name}", path) for path in fonts], CARD_LAYER_FILE)


def token_layer(target: Path) -> Path:
    """Put the token layer's zip in target (built once per content of requirements-tokens.txt)."""
    return _layer(target, "tokens", TOKEN_REQUIREMENTS, [], TOKEN_LAYER_FILE)


def merge(template: Template, fragment: Template) -> Template:
    """Merge a module's fragment into the template as `chalice package --merge-template` does (dicts deeply)."""
    merged: Template = TemplateDeepMerger().merge(fragment, template)
    return merged


def stage_fragment(stage: str) -> Template:
    """Return the modules that need nothing of Chalice's output, merged: what `--merge-template` receives."""
    fragment: Template = {"Description": DESCRIPTION, "Parameters": stage_parameter(DEPLOYABLE_STAGES, stage)}
    for part in (data.fragment(), identity.fragment(), protection.fragment(), api.fragment(), analytics.fragment()):
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
    card_layer(target)
    token_layer(target)
    return target


def main() -> int:
    """Command line: python -m infra.build --stage prod."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", default="prod", choices=DEPLOYABLE_STAGES)
    args = parser.parse_args()
    target = package(args.stage)
    size = (target / "deployment.zip").stat().st_size
    print(f"{target / 'deployment.zip'}: {size:,} bytes; template {target / 'sam.json'}")
    print(f"{target / CARD_LAYER_FILE}: {(target / CARD_LAYER_FILE).stat().st_size:,} bytes (the card layer)")
    print(f"{target / TOKEN_LAYER_FILE}: {(target / TOKEN_LAYER_FILE).stat().st_size:,} bytes (the token layer)")
    snippet = site_assets.embed_snippet("https://SITE_URL", site_assets.manifest())
    print(f"Embed a poll (SITE_URL: the deployed stack's SiteUrl output):\n{snippet}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
