"""Stored documents <-> domain objects, and what each reader is allowed to see of them."""

from __future__ import annotations

from datetime import date
from typing import Any

from llo_shared.auth import Principal
from matching.domain.model import (
    CandidateProfile,
    Consent,
    DemandSpec,
    ExemptionDecision,
    ModuleEvidence,
)
from matching.domain.prior_learning import advise, exempted_modules, modules_rule_would_skip
from matching.domain.scoring import Explanation

PERSONAL_FIELDS = ("personal", "profile", "consents", "evidence", "payers")

FACTOR_LABELS = {
    "skills_essential": "Vaardigheden (essentieel)",
    "skills_optional": "Vaardigheden (wenselijk)",
    "level": "Niveau",
    "distance": "Afstand",
    "start_date": "Startdatum",
    "price": "Prijs binnen budget",
    "delivery": "Vorm (avond, online, in company)",
}


# A stored document -> domain object mapping, field by field like store.offering_view and
# store.cohort_view: boilerplate for `duplicates`, each maps a different document.
def demand_spec(
    doc: dict[str, Any], excluded: set[str] | None = None, remaining: int | None = None
) -> DemandSpec:
    location = doc["location"]
    return DemandSpec(
        demand_id=doc["_id"],
        commissioner_kind=doc["commissioner_kind"],
        commissioner_org=doc["commissioner_org"],
        region=doc["region"],
        lat=location["lat"],
        lon=location["lon"],
        max_distance_km=float(doc["max_distance_km"]),
        start_from=date.fromisoformat(doc["start_from"]),
        start_until=date.fromisoformat(doc["start_until"]),
        participants=remaining if remaining is not None else int(doc["participants"]),
        allow_split=bool(doc.get("allow_split", False)),
        essential_skills=frozenset(doc.get("essential_skills", [])),
        optional_skills=frozenset(doc.get("optional_skills", [])),
        level=doc.get("level"),
        domain=doc.get("domain"),
        credential_type=doc.get("credential_type"),
        code=doc.get("code"),
        budget_per_participant_cents=doc.get("budget_per_participant_cents"),
        delivery_wishes=frozenset(doc.get("delivery_wishes", [])),
        funding_kinds=frozenset(doc.get("funding_kinds", ["funded_bbl", "private"])),
        excluded_cohorts=frozenset(excluded or ()),
    )


def _evidence(items: list[dict[str, Any]]) -> tuple[ModuleEvidence, ...]:
    return tuple(
        ModuleEvidence(
            module_code=e["module_code"],
            praktijkscan_pct=e.get("praktijkscan_pct"),
            instaptoets_pct=e.get("instaptoets_pct"),
            exemption=ExemptionDecision(
                e["exemption"], date.fromisoformat(e["exemption_decided_on"]), e["exemption_reference"]
            )
            if e.get("exemption")
            else None,
        )
        for e in items
    )


def _consents(items: list[dict[str, Any]]) -> tuple[Consent, ...]:
    return tuple(
        Consent(
            purpose=c["purpose"],
            given_on=date.fromisoformat(c["given_on"]),
            recorded_by=c["recorded_by"],
            withdrawn_on=date.fromisoformat(c["withdrawn_on"]) if c.get("withdrawn_on") else None,
        )
        for c in items
    )


def candidate_profile(doc: dict[str, Any], excluded: set[str] | None = None) -> CandidateProfile:
    p = doc["profile"]
    return CandidateProfile(
        candidate_ref=doc["_id"],
        region=doc["region"],
        registered_by=doc["registered_by"],
        lat=p["location"]["lat"],
        lon=p["location"]["lon"],
        max_distance_km=float(p["max_distance_km"]),
        available_from=date.fromisoformat(p["available_from"]),
        available_until=date.fromisoformat(p["available_until"]),
        skills=frozenset(p.get("skills", [])),
        goal_essential_skills=frozenset(p.get("goal_essential_skills", [])),
        goal_optional_skills=frozenset(p.get("goal_optional_skills", [])),
        prior_level=p.get("prior_level"),
        target_level=p.get("target_level"),
        domain=p.get("domain"),
        delivery_wishes=frozenset(p.get("delivery_wishes", [])),
        funding_eligibility=frozenset(p.get("funding_eligibility", [])),
        budget_cents=p.get("budget_cents"),
        consents=_consents(doc.get("consents", [])),
        evidence=_evidence(doc.get("evidence", [])),
        excluded_cohorts=frozenset(excluded or ()),
    )


# Views ---------------------------------------------------------------------------------


def demand_view(doc: dict[str, Any], placed_seats: int = 0) -> dict[str, Any]:
    return {
        "demand_id": doc["_id"],
        **{k: v for k, v in doc.items() if k != "_id"},
        "placed_seats": placed_seats,
    }


def candidate_view(doc: dict[str, Any]) -> dict[str, Any]:
    view = {"candidate_ref": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}
    if doc.get("status") == "active":
        evidence = _evidence(doc.get("evidence", []))
        view["prior_learning"] = {
            "modules": [_advice(a) for a in advise(evidence)],
            "rule_would_skip": modules_rule_would_skip(evidence),
            "exempted_by_examencommissie": exempted_modules(evidence),
        }
        view["consent_active"] = candidate_profile(doc).consents_to()
    return view


def _advice(advice: Any) -> dict[str, Any]:
    return {
        "module_code": advice.module_code,
        "rule_outcome": advice.rule_outcome,
        "exemption": advice.exemption,
    }


def explanation_view(explanation: Explanation, cohort: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "cohort_id": explanation.cohort_id,
        "offering_id": explanation.offering_id,
        "score": round(explanation.score, 2),
        "distance_km": None if explanation.distance_km is None else round(explanation.distance_km, 1),
        "feasible": explanation.feasible,
        "violations": [{"constraint": v.constraint, "detail": v.detail} for v in explanation.violations],
        "factors": [
            {
                "factor": f.name,
                "label": FACTOR_LABELS[f.name],
                "weight": f.weight,
                "value": round(f.value, 4),
                "contribution": round(100 * f.contribution, 2),
                "detail": f.detail,
                "facts": dict(f.facts),
            }
            for f in explanation.factors
        ],
        "cohort": cohort or {},
    }


def member_visible(principal: Principal, member: dict[str, Any], region: str) -> bool:
    if principal.role == "admin":
        return True
    if member["kind"] == "demand":
        return member["commissioner_org"] == principal.org
    return principal.role == "rmt" and principal.region == region


def proposal_visible(principal: Principal, doc: dict[str, Any]) -> bool:
    if principal.role == "admin":
        return True
    if principal.role == "rmt":
        return principal.region == doc["region"]
    return any(m["kind"] == "demand" and m["commissioner_org"] == principal.org for m in doc["members"])


def proposal_view(principal: Principal, doc: dict[str, Any]) -> dict[str, Any]:
    """Other commissioners' members are shown as seats only: who they are is not this reader's business."""
    members = []
    for member in doc["members"]:
        if member_visible(principal, member, doc["region"]):
            members.append({k: v for k, v in member.items() if k != "unit_id"})
        else:
            members.append({"kind": "other", "seats": member["seats"]})
    hidden = ("_id", "members", "demand_orgs")
    view = {"proposal_id": doc["_id"], **{k: v for k, v in doc.items() if k not in hidden}}
    view["members"] = members
    view["fill_level"] = round(doc["fill_after"] / doc["capacity"], 3) if doc["capacity"] else None
    return view
