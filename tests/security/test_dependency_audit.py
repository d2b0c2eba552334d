"""The audit step's verdict: an open advisory fails, an accepted one (with its reason) does not."""

from __future__ import annotations

from tests.security import dependency_audit

REPORT = {
    "dependencies": [
        {
            "name": "jinja2",
            "version": "3.1.2",
            "vulns": [{"id": "GHSA-test-0001", "fix_versions": ["3.1.3"]}],
        },
        {"name": "anyio", "version": "4.16.0", "vulns": []},
    ],
    "fixes": [],
}


def test_an_open_advisory_fails_the_audit(monkeypatch, capsys):
    monkeypatch.setattr(dependency_audit, "run_pip_audit", lambda: REPORT)
    assert dependency_audit.main() == 1
    assert "GHSA-test-0001 (fixed in 3.1.3) - OPEN" in capsys.readouterr().out


def test_an_accepted_advisory_with_its_reason_passes(monkeypatch, capsys):
    monkeypatch.setattr(dependency_audit, "run_pip_audit", lambda: REPORT)
    monkeypatch.setitem(dependency_audit.ACCEPTED, "GHSA-test-0001", "only in dev tooling")
    assert dependency_audit.main() == 0
    assert "accepted: only in dev tooling" in capsys.readouterr().out


def test_unreachable_advisory_data_fails_only_when_strict(monkeypatch):
    skipped = {"dependencies": [{"name": "anyio", "skip_reason": "not found"}], "fixes": []}
    monkeypatch.setattr(dependency_audit, "run_pip_audit", lambda: skipped)
    assert dependency_audit.main() == 0
    monkeypatch.setenv("LLO_AUDIT_STRICT", "1")
    assert dependency_audit.main() == 1
