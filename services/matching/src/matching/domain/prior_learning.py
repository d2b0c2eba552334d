"""Prior learning: the 80%/80% rule (DOMAIN.md, project FLEX20018) and recorded exemptions.

A module starts with a praktijkscan; at >= 80% mastered skills the student may take an
instaptoets; passing that with >= 80% skips the module's teaching. Whether an exemption is
granted is decided by the examencommissie: the rule only shows what it *would* skip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from matching.domain.model import ModuleEvidence

THRESHOLD_PCT = 80

RuleOutcome = Literal["would_skip", "may_take_instaptoets", "follows_module", "no_scan_yet"]


@dataclass(frozen=True, slots=True)
class ModuleAdvice:
    module_code: str
    rule_outcome: RuleOutcome
    exemption: Literal["granted", "refused", "not_decided"]


def eighty_eighty(evidence: ModuleEvidence) -> RuleOutcome:
    if evidence.praktijkscan_pct is None:
        return "no_scan_yet"
    if evidence.praktijkscan_pct < THRESHOLD_PCT:
        return "follows_module"
    if evidence.instaptoets_pct is None:
        return "may_take_instaptoets"
    return "would_skip" if evidence.instaptoets_pct >= THRESHOLD_PCT else "follows_module"


def advise(evidence: list[ModuleEvidence] | tuple[ModuleEvidence, ...]) -> list[ModuleAdvice]:
    return [
        ModuleAdvice(
            module_code=item.module_code,
            rule_outcome=eighty_eighty(item),
            exemption=item.exemption.decision if item.exemption else "not_decided",
        )
        for item in sorted(evidence, key=lambda e: e.module_code)
    ]


def modules_rule_would_skip(evidence: list[ModuleEvidence] | tuple[ModuleEvidence, ...]) -> list[str]:
    return [a.module_code for a in advise(evidence) if a.rule_outcome == "would_skip"]


def exempted_modules(evidence: list[ModuleEvidence] | tuple[ModuleEvidence, ...]) -> list[str]:
    """Only what the examencommissie granted counts as an exemption."""
    return sorted(e.module_code for e in evidence if e.exemption and e.exemption.decision == "granted")
