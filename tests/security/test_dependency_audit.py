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


def test_unreachable_advisory_data_names_each_address_and_its_answer(monkeypatch, capsys):
    skipped = {
        "dependencies": [{"name": "jinja2", "skip_reason": "Dependency not found on PyPI"}],
        "fixes": [],
        "locked": [["jinja2", "3.1.6"]],
    }
    monkeypatch.setattr(dependency_audit, "run_pip_audit", lambda: skipped)
    answers = {"https://pypi.org/pypi/jinja2/3.1.6/json": "HTTP 404"}
    monkeypatch.setattr(dependency_audit, "answer_of", lambda url, body=None: answers.get(url, "HTTP 200"))
    assert dependency_audit.main() == 0
    printed = capsys.readouterr().out
    assert "NOTHING AUDITED" in printed
    assert "https://pypi.org/pypi/jinja2/3.1.6/json (pip-audit -s pypi): HTTP 404" in printed
