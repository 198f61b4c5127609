"""Known vulnerabilities in the installed dependencies: pip-audit, or PyPI's advisories without it.

pip-audit asks PyPI's per-release endpoint (or OSV) about each installed version. Where neither
answers but PyPI's per-project endpoint does, the same advisories (PyPI takes them from OSV) are
read from it: it lists the known vulnerabilities of a project's latest release, so every
dependency installed at its latest release is audited exactly, and one held back (by another
package's pin or by the Python version) is checked against what is still open in its latest
release and named as only partly audited.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata

import httpx
import pytest

pytestmark = pytest.mark.slow
UNREACHABLE_HINTS = (
    "ConnectionError",
    "Max retries",
    "Failed to resolve",
    "timed out",
    "HTTPError",
)
PYPI_PROJECT = "https://pypi.org/pypi/{name}/json"
OWN_DISTRIBUTION = "vouch"


# A name no one has registered on PyPI (a locally built or private distribution).
NOT_ON_PYPI = "vouch-internal-build-no-such-project-7c1e"


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def audit_environment() -> tuple[dict[str, object] | None, str]:
    """Run pip-audit on this interpreter's packages: its JSON report (None if it could not run)."""
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
        return None, "pip-audit's vulnerability service did not answer within 10 minutes"
    if not completed.stdout.strip():
        if any(hint in completed.stderr for hint in UNREACHABLE_HINTS):
            return None, f"pip-audit's service is unreachable: {completed.stderr[-300:]}"
        pytest.fail(f"pip-audit failed: {completed.stderr[-1000:]}")
    return json.loads(completed.stdout), completed.stderr


def pip_audit_findings(report: dict[str, object]) -> list[str] | None:
    """Vulnerabilities pip-audit found, or None when it could audit nothing."""
    dependencies = report["dependencies"]
    assert isinstance(dependencies, list) and dependencies
    audited = [d for d in dependencies if not d.get("skip_reason")]
    if not audited:
        return None
    return [
        f"{d['name']} {d['version']}: "
        + ", ".join(
            f"{v['id']} (fixed in {', '.join(v.get('fix_versions') or ['?'])})" for v in d["vulns"]
        )
        for d in audited
        if d.get("vulns")
    ]


@dataclass(frozen=True)
class Advisories:
    """What PyPI says about one installed distribution."""

    name: str
    installed: str
    latest: str
    open_in_latest: tuple[str, ...]


def installed_distributions() -> dict[str, str]:
    """Installed distributions (name → version), without Vouch itself."""
    found = {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    found.pop(OWN_DISTRIBUTION, None)
    return found


def pypi_advisories(client: httpx.Client, name: str, installed: str) -> Advisories | None:
    """PyPI's open advisories for a project's latest release; None when PyPI has no such project."""
    response = client.get(PYPI_PROJECT.format(name=name))
    if response.status_code == 404:
        return None
    response.raise_for_status()
    project = response.json()
    return Advisories(
        name=name,
        installed=installed,
        latest=project["info"]["version"],
        open_in_latest=tuple(
            f"{v['id']} (fixed in {', '.join(v.get('fixed_in') or ['?'])})"
            for v in project.get("vulnerabilities") or []
            if not v.get("withdrawn")
        ),
    )


def findings_from_pypi(
    distributions: dict[str, str],
) -> tuple[list[str], list[str], list[str]]:
    """Known vulnerabilities per PyPI's advisories, the distributions only partly audited, and
    those PyPI does not know (installed from elsewhere: nothing to audit them against)."""
    with httpx.Client(timeout=30, follow_redirects=True) as client:
        try:
            client.get(PYPI_PROJECT.format(name="pip")).raise_for_status()
        except httpx.HTTPError as exc:
            pytest.skip(f"neither pip-audit's service nor PyPI's JSON API is reachable: {exc}")
        with ThreadPoolExecutor(max_workers=8) as pool:
            looked_up = list(
                pool.map(lambda item: pypi_advisories(client, *item), sorted(distributions.items()))
            )
    answers = [a for a in looked_up if a is not None]
    unaudited = [
        f"{name} {version}"
        for (name, version), a in zip(sorted(distributions.items()), looked_up, strict=True)
        if a is None
    ]
    vulnerable = [
        f"{a.name} {a.installed} (latest {a.latest}): {', '.join(a.open_in_latest)}"
        for a in answers
        if a.open_in_latest
    ]
    held_back = [
        f"{a.name} {a.installed} (latest {a.latest})" for a in answers if a.installed != a.latest
    ]
    return vulnerable, held_back, unaudited


def test_no_installed_dependency_has_a_known_vulnerability() -> None:
    report, why = audit_environment()
    findings = pip_audit_findings(report) if report is not None else None
    if report is not None and findings is None:
        why = f"pip-audit could audit nothing: {report['dependencies'][0].get('skip_reason')}"  # type: ignore[index]
    if findings is None:
        findings, held_back, unaudited = findings_from_pypi(installed_distributions())
        if unaudited:
            warnings.warn(
                f"not on PyPI, so not audited: {', '.join(unaudited)}",
                stacklevel=1,
            )
        if held_back:
            warnings.warn(
                f"{why.strip()[-160:]}; PyPI's advisories audited every "
                "dependency at its latest release; these are held back and were checked only "
                f"against what is open in their latest release: {', '.join(held_back)}",
                stacklevel=1,
            )
    assert findings == [], "known vulnerabilities:\n" + "\n".join(findings)


def test_the_pypi_fallback_fails_on_an_advisory_and_names_a_held_back_release() -> None:
    """pycrypto was abandoned at 2.6.1 with advisories that were never fixed."""
    vulnerable, held_back, unaudited = findings_from_pypi(
        {"pycrypto": "2.6.1", "setuptools": "65.5.0", NOT_ON_PYPI: "1.0"}
    )
    assert len(vulnerable) == 1 and vulnerable[0].startswith("pycrypto 2.6.1 (latest 2.6.1): ")
    assert "PYSEC-2018-97" in vulnerable[0]
    assert [h.split(" (")[0] for h in held_back] == ["setuptools 65.5.0"]
    # A distribution PyPI does not know is named as unaudited, not an error and not a pass.
    assert unaudited == [f"{NOT_ON_PYPI} 1.0"]
