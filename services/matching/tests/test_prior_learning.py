"""The 80%/80% rule shows what it would skip; only the examencommissie's decision is an exemption."""

from datetime import date

import pytest

from matching.domain.model import ExemptionDecision, ModuleEvidence
from matching.domain.prior_learning import advise, eighty_eighty, exempted_modules, modules_rule_would_skip


@pytest.mark.parametrize(
    ("scan", "test", "outcome"),
    [
        (None, None, "no_scan_yet"),
        (79, None, "follows_module"),
        (79, 95, "follows_module"),
        (80, None, "may_take_instaptoets"),
        (80, 79, "follows_module"),
        (80, 80, "would_skip"),
        (100, 100, "would_skip"),
    ],
)
def test_eighty_eighty_rule(scan, test, outcome):
    assert eighty_eighty(ModuleEvidence("ADL", scan, test)) == outcome


def test_rule_advice_and_recorded_exemptions_are_kept_apart():
    granted = ExemptionDecision("granted", date(2026, 10, 1), "EC-2026-17")
    refused = ExemptionDecision("refused", date(2026, 10, 1), "EC-2026-18")
    evidence = [
        ModuleEvidence("ADL", 90, 85, refused),  # the rule would skip it, the commission said no
        ModuleEvidence("HYG", 60, None, granted),  # granted on other grounds
        ModuleEvidence("COM", 85, 90),
    ]
    assert modules_rule_would_skip(evidence) == ["ADL", "COM"]
    assert exempted_modules(evidence) == ["HYG"]
    assert [a.exemption for a in advise(evidence)] == ["refused", "not_decided", "granted"]
