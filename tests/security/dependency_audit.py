"""Dependency audit (`make audit`, run by `make test`): pip-audit over the locked requirements
(`uv export` of uv.lock: every package of every service and the dev tools, pinned) against PyPI's
advisory data (`--vulnerability-service pypi`, which reads `https://pypi.org/pypi/<name>/<version>/json`
and its `vulnerabilities`). Fails on any known vulnerability that is not accepted below with a
written reason. Where PyPI's advisory data cannot be reached (a mirror serving only the package
index), every package is skipped: the audit then says which address answered what, and fails when
LLO_AUDIT_STRICT=1 (CI with internet access sets it). docs/reliability.md records what was blocked.

Where only the project pages answer (`https://pypi.org/pypi/<name>/json`, as on the project's build
machines), the audit still reads PyPI's advisory data from them: a project page carries the
`vulnerabilities` of its latest release, so every package locked at its latest release is audited
there; the others are listed as not audited, with the release PyPI has.

    uv run --frozen python -m tests.security.dependency_audit
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Advisory id -> why it is left for now (what we checked, and until when). Empty: nothing accepted.
ACCEPTED: dict[str, str] = {}


def locked_requirements(into: Path) -> Path:
    """uv.lock as a pinned requirements file (no hashes: pip-audit reads the pins only)."""
    uv = os.environ.get("UV") or shutil.which("uv") or "uv"  # `uv run` names itself in $UV
    exported = into / "requirements.txt"
    command = [uv, "export", "--frozen", "--all-packages", "--no-emit-workspace", "--no-hashes"]
    subprocess.run([*command, "--quiet", "-o", str(exported)], check=True, timeout=120)
    return exported


def run_pip_audit() -> dict:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    with tempfile.TemporaryDirectory() as folder:
        requirements = locked_requirements(Path(folder))
        pins = [line.split(";")[0].strip().split("==") for line in requirements.read_text().splitlines()]
        result = subprocess.run(
            [
                str(pip_audit),
                *("--vulnerability-service", "pypi", "--progress-spinner", "off", "-f", "json"),
                *("--requirement", str(requirements), "--no-deps", "--disable-pip"),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    if not result.stdout.strip():
        raise SystemExit(f"pip-audit gave no report: {result.stderr.strip()[-500:]}")
    report: dict = json.loads(result.stdout)
    report["locked"] = [pin for pin in pins if len(pin) == 2]  # [name, version]
    return report


def answer_of(url: str, body: bytes | None = None) -> str:
    """What an address answers: 'HTTP 200', 'HTTP 404', or why there was no answer."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return f"no answer ({getattr(error, 'reason', error)})"


def where_the_data_is_blocked(name: str, version: str) -> list[str]:
    """The advisory sources pip-audit can use, asked once for one locked package."""
    query = json.dumps({"package": {"name": name, "ecosystem": "PyPI"}, "version": version}).encode()
    return [
        f"https://pypi.org/pypi/{name}/{version}/json (pip-audit -s pypi): "
        + answer_of(f"https://pypi.org/pypi/{name}/{version}/json"),
        f"https://pypi.org/pypi/{name}/json (project, latest release only): "
        + answer_of(f"https://pypi.org/pypi/{name}/json"),
        "https://api.osv.dev/v1/query (pip-audit -s osv): "
        + answer_of("https://api.osv.dev/v1/query", query),
    ]


def project_page(name: str) -> dict:
    with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=20) as response:
        page: dict = json.load(response)
    return page


def latest_release_advisories(name: str, version: str) -> dict:
    """One locked package as pip-audit reports it, from its project page: audited (with the
    page's `vulnerabilities`) when the lock holds the latest release, else skipped with the reason."""
    try:
        page = project_page(name)
    except (urllib.error.URLError, OSError, ValueError) as error:
        return {"name": name, "version": version, "skip_reason": f"project page: {error}"}
    latest = page["info"]["version"]
    if latest != version:
        return {
            "name": name,
            "version": version,
            "skip_reason": f"locked {version}, PyPI's data is for {latest}",
        }
    vulns = [
        {"id": v["id"], "fix_versions": v.get("fixed_in", []), "aliases": v.get("aliases", [])}
        for v in page.get("vulnerabilities", [])
        if not v.get("withdrawn")
    ]
    return {"name": name, "version": version, "vulns": vulns}


def from_project_pages(locked: list[list[str]]) -> list[dict]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda pin: latest_release_advisories(*pin), locked))


def main() -> int:
    report = run_pip_audit()
    audited = [d for d in report["dependencies"] if "skip_reason" not in d]
    if not audited:  # the per-release pages are not served here: read the project pages instead
        report["dependencies"] = from_project_pages(report.get("locked", []))
        audited = [d for d in report["dependencies"] if "skip_reason" not in d]
        for skipped in (d for d in report["dependencies"] if "skip_reason" in d):
            print(f"not audited: {skipped['name']}: {skipped['skip_reason']}")
    findings = [(d["name"], d["version"], v) for d in audited for v in d.get("vulns", [])]
    open_findings = [f for f in findings if f[2]["id"] not in ACCEPTED]
    for name, version, vuln in findings:
        state = f"accepted: {ACCEPTED[vuln['id']]}" if vuln["id"] in ACCEPTED else "OPEN"
        fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
        print(f"{name} {version}: {vuln['id']} (fixed in {fixes}) - {state}")
    print(f"dependency audit: {len(audited)} packages audited, {len(report['dependencies'])} locked")
    if not audited:
        print("dependency audit: NOTHING AUDITED: PyPI's advisory data was not reachable")
        for name, version in report.get("locked", [])[:1]:
            for line in where_the_data_is_blocked(name, version):
                print(f"  {line}")
        return 1 if os.environ.get("LLO_AUDIT_STRICT") == "1" else 0
    return 1 if open_findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
