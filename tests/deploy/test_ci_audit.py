"""`make lint`'s pip-audit step: offline it says so and passes; a known vulnerability fails it."""

from __future__ import annotations

import json

from ops.dependency_audit import UNREACHABLE, verdict


def audit_json(*dependencies: dict[str, object]) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


def test_a_known_vulnerability_fails_the_audit():
    report = audit_json(
        {"name": "requests", "version": "2.0.0", "vulns": [{"id": "PYSEC-2014-13", "fix_versions": ["2.3.0"]}]},
        {"name": "boto3", "version": "1.44.8", "vulns": []},
    )
    status, message = verdict(1, report, "")
    assert status == 1
    assert "requests 2.0.0: PYSEC-2014-13" in message


def test_an_unreachable_database_is_reported_and_skipped():
    stderr = "requests.exceptions.ConnectionError: ... Failed to resolve 'pypi.org' (Name or service not known)"
    assert verdict(1, "", stderr) == (0, UNREACHABLE)


def test_every_lookup_failing_counts_as_unreachable_not_as_clean():
    report = audit_json({"name": "boto3", "skip_reason": "Dependency not found on PyPI and could not be audited"})
    status, message = verdict(0, report, "")
    assert status == 0
    assert message.startswith(UNREACHABLE)


def test_a_clean_audit_passes_and_says_how_many_were_audited():
    report = audit_json({"name": "boto3", "version": "1.44.8", "vulns": []})
    assert verdict(0, report, "") == (0, "pip-audit: 1 pinned packages audited, no known vulnerabilities (0 not found)")


def test_any_other_pip_audit_failure_fails():
    status, message = verdict(2, "", "error: invalid requirement: 'boto3=='")
    assert status == 2
    assert "invalid requirement" in message
