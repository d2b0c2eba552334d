"""Dependency audit (`make audit`, run by `make test`): pip-audit over the project's environment
against PyPI's advisory data. Fails on any known vulnerability that is not accepted below with a
written reason. Where PyPI's advisory data cannot be reached (a mirror serving only the package
index), every package is skipped: that is said loudly, and fails when LLO_AUDIT_STRICT=1 (CI with
internet access sets it).

    .venv/bin/python -m tests.security.dependency_audit
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Advisory id -> why it is left for now (what we checked, and until when). Empty: nothing accepted.
ACCEPTED: dict[str, str] = {}


def run_pip_audit() -> dict:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    result = subprocess.run(
        [str(pip_audit), "--progress-spinner", "off", "--skip-editable", "-f", "json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if not result.stdout.strip():
        raise SystemExit(f"pip-audit gave no report: {result.stderr.strip()[-500:]}")
    return json.loads(result.stdout)


def main() -> int:
    report = run_pip_audit()
    audited = [d for d in report["dependencies"] if "skip_reason" not in d]
    findings = [(d["name"], d["version"], v) for d in audited for v in d.get("vulns", [])]
    open_findings = [f for f in findings if f[2]["id"] not in ACCEPTED]
    for name, version, vuln in findings:
        state = f"accepted: {ACCEPTED[vuln['id']]}" if vuln["id"] in ACCEPTED else "OPEN"
        fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
        print(f"{name} {version}: {vuln['id']} (fixed in {fixes}) - {state}")
    print(f"dependency audit: {len(audited)} packages audited, {len(report['dependencies'])} installed")
    if not audited:
        print("dependency audit: PyPI's advisory data was not reachable; nothing could be audited")
        return 1 if os.environ.get("LLO_AUDIT_STRICT") == "1" else 0
    return 1 if open_findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
