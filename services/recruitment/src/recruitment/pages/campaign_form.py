"""The provider's campaign form (new campaign, or a draft changed, the proposed fill campaign too):
what was typed is kept as typed, checked by the API's own models, and every problem named in
Dutch at its field (llo_shared.dutch)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from llo_shared import dutch
from llo_shared.dutch import cents_to_euro, euro_to_cents
from recruitment.api.campaigns import CampaignCreate
from recruitment.domain.campaign import Campaign, CampaignPlan, TargetGroup

TEXT_FIELDS = ("cohort_id", "name", "goal_seats", "starts_on", "ends_on", "budget")
LIST_FIELDS = ("channels", "target_groups")
LABELS = {
    "cohort_id": "het startmoment",
    "name": "de naam",
    "goal_seats": "het doel (aantal deelnemers)",
    "starts_on": "de begindatum",
    "ends_on": "de einddatum",
    "budget_cents": "het budget",
    "channels": "de kanalen",
    "target_groups": "de doelgroepen",
}
# The plan's own checks (English, for the API) as the page says them, and the field they concern.
PLAN_SENTENCES = {
    "ends_on lies before starts_on": (
        "ends_on",
        "De einddatum ligt voor de begindatum. Kies een einddatum op of na de begindatum.",
    ),
    "channels and target_groups list each value once": (
        "channels",
        "Kies elk kanaal en elke doelgroep één keer.",
    ),
}
TARGET_GROUP_LABELS = {
    TargetGroup.zij_instromers: "Zij-instromers",
    TargetGroup.herintreders: "Herintreders",
    TargetGroup.werkzoekenden: "Werkzoekenden",
    TargetGroup.eigen_medewerkers: "Eigen medewerkers van werkgevers",
    TargetGroup.afstand_arbeidsmarkt: "Mensen met afstand tot de arbeidsmarkt",
}


@dataclass
class CampaignForm:
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def posted(cls, form: FormData) -> CampaignForm:
        values: dict[str, Any] = {name: str(form.get(name, "")).strip()[:200] for name in TEXT_FIELDS}
        values |= {name: [str(v)[:40] for v in form.getlist(name)][:20] for name in LIST_FIELDS}
        return cls(values)

    @classmethod
    def blank(cls) -> CampaignForm:
        return cls({name: "" for name in TEXT_FIELDS} | {name: [] for name in LIST_FIELDS} | {"budget": "0"})

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignForm:
        plan = campaign.plan
        return cls(
            {
                "cohort_id": campaign.cohort_id or "",
                "name": plan.name,
                "goal_seats": str(plan.goal_seats),
                "starts_on": plan.starts_on.isoformat(),
                "ends_on": plan.ends_on.isoformat(),
                "budget": cents_to_euro(plan.budget_cents),
                "channels": [str(c) for c in plan.channels],
                "target_groups": [str(t) for t in plan.target_groups],
            }
        )

    def _input(self) -> dict[str, Any]:
        v = self.values
        return {
            "cohort_id": v["cohort_id"] or None,
            "name": v["name"],
            "goal_seats": v["goal_seats"],
            "starts_on": v["starts_on"],
            "ends_on": v["ends_on"],
            "budget_cents": euro_to_cents(v["budget"]) if v["budget"] else None,
            "channels": v["channels"],
            "target_groups": v["target_groups"],
        }

    def create_body(self) -> CampaignCreate | None:
        """The API's request body, or None with `errors` filled in Dutch."""
        if not self.values["cohort_id"]:
            self.errors["cohort_id"] = "Kies het startmoment waarvoor u werft."
        try:
            body = CampaignCreate.model_validate(self._input())
        except ValidationError as error:
            self._explain(error)
            return None
        return body if not self.errors else None

    def plan(self, keep: CampaignPlan) -> CampaignPlan | None:
        """A changed plan (cost shares kept as they were), or None with `errors` filled in Dutch."""
        data = self._input() | {"cost_shares": [s.model_dump() for s in keep.cost_shares]}
        data.pop("cohort_id")
        try:
            return CampaignPlan.model_validate(data)
        except ValidationError as error:
            self._explain(error)
            return None

    def _explain(self, error: ValidationError) -> None:
        problems = error.errors()
        for problem in dutch.dutch_errors(problems, LABELS):
            name = "budget" if problem.field == "budget_cents" else problem.field
            self.errors.setdefault(name, problem.message)
        for detail in problems:
            sentence = str((detail.get("ctx") or {}).get("error", ""))
            if sentence in PLAN_SENTENCES:
                name, text = PLAN_SENTENCES[sentence]
                self.errors[name] = text
        self.errors.pop("", None)
        if "budget" in self.errors and isinstance(euro_to_cents(self.values["budget"]), str):
            self.errors["budget"] = "Vul het budget in euro's in, bijvoorbeeld 1.250,00."
        if not self.values["budget"]:
            self.errors["budget"] = "Vul het budget in, bijvoorbeeld 1.250,00 (0 mag ook)."
