"""pip-audit over the installed dependencies: a known vulnerability fails, an unreachable service skips."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow
UNREACHABLE_HINTS = (
    "ConnectionError",
    "Max retries",
    "Failed to resolve",
    "timed out",
    "HTTPError",
)


def audit_environment() -> tuple[dict[str, object], str]:
    """Run pip-audit on this interpreter's packages; return its JSON report and its stderr."""
    try:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--progress-spinner",
                "off",
                "--skip-editable",
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        pytest.skip("pip-audit's vulnerability service did not answer within 10 minutes")
    if not completed.stdout.strip():
        if any(hint in completed.stderr for hint in UNREACHABLE_HINTS):
            pytest.skip(f"the vulnerability service is unreachable: {completed.stderr[-300:]}")
        pytest.fail(f"pip-audit failed: {completed.stderr[-1000:]}")
    return json.loads(completed.stdout), completed.stderr


def test_no_installed_dependency_has_a_known_vulnerability() -> None:
    report, stderr = audit_environment()
    dependencies = report["dependencies"]
    assert isinstance(dependencies, list) and dependencies
    audited = [d for d in dependencies if not d.get("skip_reason")]
    if not audited:
        reason = dependencies[0].get("skip_reason", "")
        pytest.skip(f"the vulnerability service could not be reached (pip-audit: {reason})")
    vulnerable = [
        f"{d['name']} {d['version']}: "
        + ", ".join(
            f"{v['id']} (fixed in {', '.join(v.get('fix_versions') or ['?'])})" for v in d["vulns"]
        )
        for d in audited
        if d.get("vulns")
    ]
    assert vulnerable == [], "known vulnerabilities:\n" + "\n".join(vulnerable)
