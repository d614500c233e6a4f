"""`make lint`'s dependency audit: pip-audit on the pinned requirements, skipped (and said so) when offline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = [
    "requirements.txt",
    "requirements-cards.txt",
    "requirements-tokens.txt",
    "requirements-dev.txt",
    "requirements-checkov.txt",
]
UNREACHABLE = "pip-audit: vulnerability database unreachable, skipped"
NETWORK_ERRORS = (
    "ConnectionError",
    "NameResolutionError",
    "Max retries exceeded",
    "Name or service not known",
    "Temporary failure in name resolution",
    "timed out",
    "Timeout",
    "Connection refused",
    "Network is unreachable",
    "SSLError",
)


def verdict(returncode: int, stdout: str, stderr: str) -> tuple[int, str]:
    """Decide the exit status and message from one pip-audit run (JSON output)."""
    try:
        report: dict[str, Any] = json.loads(stdout)
    except ValueError:
        if any(marker in stderr for marker in NETWORK_ERRORS):
            return 0, UNREACHABLE
        return returncode or 1, f"pip-audit failed:\n{stderr.strip()}"
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    if vulnerable:
        lines = [
            f"  {d['name']} {d.get('version', '?')}: {v['id']} (fixed in {', '.join(v.get('fix_versions', [])) or '-'})"
            for d in vulnerable
            for v in d["vulns"]
        ]
        return 1, "pip-audit: known vulnerabilities in pinned requirements:\n" + "\n".join(lines)
    audited = [d for d in dependencies if "skip_reason" not in d]
    if dependencies and not audited:
        # Every lookup failed (the PyPI JSON API answering "not found" for every pin): nothing was audited.
        return 0, f"{UNREACHABLE} (none of {len(dependencies)} pinned packages could be looked up)"
    if returncode != 0:
        return returncode, f"pip-audit failed:\n{stderr.strip()}"
    skipped = len(dependencies) - len(audited)
    return 0, f"pip-audit: {len(audited)} pinned packages audited, no known vulnerabilities ({skipped} not found)"


def main() -> int:
    """Run pip-audit on the pinned requirements and report."""
    command = [str(Path(sys.executable).with_name("pip-audit")), "--disable-pip", "--no-deps", "--format", "json"]
    command += ["--progress-spinner", "off"]
    for name in REQUIREMENTS:
        command += ["-r", name]
    try:
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    except subprocess.TimeoutExpired:
        print(UNREACHABLE + " (timed out)")
        return 0
    status, message = verdict(run.returncode, run.stdout, run.stderr)
    print(message)
    return status


if __name__ == "__main__":
    sys.exit(main())
