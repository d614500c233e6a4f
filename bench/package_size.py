"""Benchmark 3: deployment package size: `make package` against a naive `chalice package` with every dependency."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

from bench.harness import Section
from local.stack import ROOT

STAGE = "prod"
LAMBDA_ZIP_LIMIT = 50 * 1024 * 1024  # direct upload
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


def _has_package_target() -> bool:
    return any(line.startswith("package:") for line in (ROOT / "Makefile").read_text().splitlines())


def _zip_figures(path: Path) -> dict[str, float]:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        by_top: Counter[str] = Counter()
        for info in infos:
            by_top[info.filename.split("/", 1)[0]] += info.compress_size
    return {
        "zip_bytes": path.stat().st_size,
        "unzipped_bytes": sum(i.file_size for i in infos),
        "files": len(infos),
        "largest": by_top.most_common(4),  # type: ignore[dict-item]
    }


def small_package(quick: bool) -> tuple[dict[str, float] | None, str]:
    """Build the project's own package; return its figures and the command, or None when there is no target."""
    if not _has_package_target():
        return None, "not available (make package missing)"
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    if quick:  # the same build into a temporary directory, without make's lint step
        with tempfile.TemporaryDirectory() as tmp:
            command = [
                sys.executable,
                "-c",
                f"from infra.build import package; package({STAGE!r}, __import__('pathlib').Path({tmp!r}))",
            ]
            subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
            return _zip_figures(Path(tmp) / "package" / "deployment.zip"), "infra.build.package (quick)"
    subprocess.run(["make", "package", f"STAGE={STAGE}"], cwd=ROOT, env=env, check=True, capture_output=True)
    for candidate in (ROOT / "build" / STAGE / "package" / "deployment.zip", ROOT / "build" / STAGE / "deployment.zip"):
        if candidate.exists():
            return _zip_figures(candidate), f"make package STAGE={STAGE}"
    return None, "not available (make package produced no deployment.zip)"


def naive_package() -> dict[str, float]:
    """`chalice package` of a temporary copy of the app with the full requirements.txt (no AWS account needed)."""
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        (project / ".chalice").mkdir(parents=True)
        shutil.copy2(ROOT / "app.py", project / "app.py")
        shutil.copy2(ROOT / "requirements.txt", project / "requirements.txt")
        shutil.copytree(ROOT / "chalicelib", project / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
        for path in (ROOT / ".chalice").glob("*.json"):
            shutil.copy2(path, project / ".chalice" / path.name)
        # infra/ generates the stage's IAM policy when it builds; chalice only needs a file to read here.
        empty_policy = json.dumps({"Version": "2012-10-17", "Statement": []})
        (project / ".chalice" / f"policy-{STAGE}.json").write_text(empty_policy)
        out = Path(tmp) / "out"
        chalice = str(Path(sys.executable).with_name("chalice"))
        env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
        subprocess.run(
            [chalice, "--project-dir", str(project), "package", "--stage", STAGE, str(out)],
            env=env,
            check=True,
            capture_output=True,
        )
        return _zip_figures(out / "deployment.zip")


def _mb(size: float) -> str:
    return f"{size / 1024 / 1024:.2f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def run(quick: bool = False) -> list[Section]:
    """Run benchmark 3."""
    section = Section("3. Deployment package")
    small, how = small_package(quick)
    naive = None if quick else naive_package()
    rows = []
    for name, figures, note in (
        (f"ours: `{how}`", small, "app, chalicelib, PynamoDB and glin-profanity vendored without dependencies"),
        ("naive: `chalice package` with requirements.txt", naive, "PynamoDB, boto3, botocore and theirs bundled"),
    ):
        if figures is None:
            shown = how if figures is small else "skipped in --quick (needs PyPI)"
            rows.append([name, shown, "", "", "", note])
            continue
        largest = ", ".join(f"{top} {_mb(size)}" for top, size in figures["largest"])  # type: ignore[attr-defined]
        rows.append(
            [name, _mb(figures["zip_bytes"]), _mb(figures["unzipped_bytes"]), f"{figures['files']:,}", largest, note]
        )
    section.table(["package", "zip", "unzipped", "files", "largest parts (compressed)", "what"], rows)
    if small is not None and naive is not None:
        section.notes.append(
            f"The naive zip is {naive['zip_bytes'] / small['zip_bytes']:.0f}x ours "
            f"({_mb(naive['zip_bytes'])} vs {_mb(small['zip_bytes'])}); Lambda's limits are 50 MB zipped (direct "
            "upload) and 250 MB unzipped. Ours relies on the boto3/botocore the Python runtime ships."
        )
    section.notes.append(
        f"Stage {STAGE}. Both built here from the same app.py and chalicelib/; the naive one in a temporary copy of "
        "the project (chalice downloads the pinned wheels from PyPI)."
    )
    section.data = {"small": small, "naive": naive, "how": how}
    return [section]
