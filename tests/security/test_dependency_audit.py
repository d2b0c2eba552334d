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


def unreachable(name: str) -> dict:
    raise OSError("no answer")


def test_unreachable_advisory_data_fails_only_when_strict(monkeypatch):
    skipped = {"dependencies": [{"name": "anyio", "skip_reason": "not found"}], "fixes": []}
    monkeypatch.setattr(dependency_audit, "run_pip_audit", lambda: skipped)
    monkeypatch.setattr(dependency_audit, "project_page", unreachable)
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
    monkeypatch.setattr(dependency_audit, "project_page", unreachable)
    answers = {"https://pypi.org/pypi/jinja2/3.1.6/json": "HTTP 404"}
    monkeypatch.setattr(dependency_audit, "answer_of", lambda url, body=None: answers.get(url, "HTTP 200"))
    assert dependency_audit.main() == 0
    printed = capsys.readouterr().out
    assert "NOTHING AUDITED" in printed
    assert "https://pypi.org/pypi/jinja2/3.1.6/json (pip-audit -s pypi): HTTP 404" in printed


PAGES = {  # project pages as PyPI serves them: the latest release and its advisories
    "jinja2": {
        "info": {"version": "3.1.6"},
        "vulnerabilities": [{"id": "GHSA-test-0002", "fixed_in": ["3.1.7"]}],
    },
    "anyio": {"info": {"version": "4.16.0"}, "vulnerabilities": []},
    "numpy": {"info": {"version": "2.5.5"}, "vulnerabilities": [{"id": "GHSA-not-ours", "fixed_in": []}]},
}


def test_without_release_pages_the_project_pages_audit_what_is_locked_at_its_latest(monkeypatch, capsys):
    locked = [["jinja2", "3.1.6"], ["anyio", "4.16.0"], ["numpy", "2.4.6"]]
    skipped = {"dependencies": [{"name": n, "skip_reason": "not found"} for n, _ in locked], "locked": locked}
    monkeypatch.setattr(dependency_audit, "run_pip_audit", lambda: skipped)
    monkeypatch.setattr(dependency_audit, "project_page", PAGES.__getitem__)
    assert dependency_audit.main() == 1  # jinja2's advisory is open
    printed = capsys.readouterr().out
    assert "jinja2 3.1.6: GHSA-test-0002 (fixed in 3.1.7) - OPEN" in printed
    assert "not audited: numpy: locked 2.4.6, PyPI's data is for 2.5.5" in printed
    assert "GHSA-not-ours" not in printed  # an advisory of a later release is not ours
    assert "2 packages audited, 3 locked" in printed
