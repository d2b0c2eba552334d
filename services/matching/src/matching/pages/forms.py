"""The demand and candidate forms' words: Dutch field labels, the schemas' sentences said in Dutch,
form field names where they differ from the model's, and the form's text read as numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from llo_shared.auth import Principal
from llo_shared.dutch import FieldError, dutch_errors
from llo_shared.skills import load_skills
from matching.domain.model import DELIVERY_MODES
from matching.pages.common import render
from matching.pages.explain import DELIVERY_LABELS

DEMAND_LABELS = {
    "title": "de titel",
    "participants": "het aantal deelnemers",
    "region": "de regio",
    "municipality": "de gemeente",
    "location": "de gemeente",
    "max_distance_km": "de maximale reisafstand",
    "level": "het niveau",
    "code": "de crebo- of certificaatcode",
    "start_from": "'Start vanaf'",
    "start_until": "'Start uiterlijk'",
    "budget_per_participant_cents": "het budget per deelnemer",
    "essential_skills": "de vaardigheden die nodig zijn",
    "optional_skills": "de wenselijke vaardigheden",
    "delivery_wishes": "de wensen voor de lesvorm",
}
CANDIDATE_LABELS = DEMAND_LABELS | {
    "display_name": "de naam",
    "email": "het e-mailadres",
    "phone": "het telefoonnummer",
    "available_from": "'Beschikbaar vanaf'",
    "available_until": "'Beschikbaar tot'",
    "target_level": "het niveau",
    "goal_essential_skills": "de vaardigheden die de kandidaat wil leren",
    "budget_cents": "het budget",
    "consent": "de toestemming",
    "given_on": "de toestemming",
}
# The schemas' own sentences (English, for the API) and what a page says instead.
MODEL_SENTENCES = {
    "start_until is before start_from": "'Start uiterlijk' ligt voor 'Start vanaf'. Kies een latere datum.",
    "available_until is before available_from": "'Beschikbaar tot' ligt voor 'Beschikbaar vanaf'.",
}
# Form field names where they differ from the model's.
FORM_FIELDS = {
    "budget_per_participant_cents": "budget_euro",
    "location": "municipality",
    "budget_cents": "budget_euro",
}
BUDGET_ERROR = "Vul het budget in euro in, bijvoorbeeld 2500 of 2.500,00."


def form_errors(error: ValidationError, labels: dict[str, str]) -> list[FieldError]:
    """Dutch errors keyed by the form's own field names (so each sits at its field)."""
    found = dutch_errors(error.errors(), labels, MODEL_SENTENCES)
    return [FieldError(FORM_FIELDS.get(e.field, e.field) or "start_until", e.label, e.message) for e in found]


def whole(text: str) -> int | str | None:
    """A select's number ("2") as the model's int; anything else is left for the model to refuse."""
    return int(text) if text.isdigit() else (text or None)


def cents(euro_text: str) -> int | str | None:
    """ "2.500,00" -> 250000; empty -> None; anything else -> a Dutch sentence saying how to write it."""
    text = euro_text.strip().replace("€", "").replace(" ", "")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif text.count(".") == 1 and len(text.split(".")[1]) == 3:
        text = text.replace(".", "")  # "2.500" is two thousand five hundred
    try:
        amount = round(float(text) * 100)
    except (ValueError, OverflowError):  # "veel", "nan", "inf"
        return BUDGET_ERROR
    return amount if 0 <= amount <= 100_000_000 else BUDGET_ERROR


@dataclass(frozen=True)
class FormPage:
    """A form's page: what it offers to fill in for whom (`defaults`, `choices`), then what was typed
    over the defaults and each error at its field. Both forms offer the skills and delivery modes."""

    template: str
    title: str
    defaults: Callable[[Principal | None], dict[str, Any]]
    choices: Callable[[Principal | None], dict[str, Any]]

    def show(
        self,
        request: Request,
        principal: Principal | None,
        values: dict[str, Any] | None = None,
        errors: list[FieldError] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        return render(
            request,
            self.template,
            principal,
            status,
            title=self.title,
            values=self.defaults(principal) | (values or {}),
            errors=errors or [],
            skills=[s for s in load_skills().skills if not s.deprecated],
            delivery_modes=[(m, DELIVERY_LABELS[m]) for m in DELIVERY_MODES],
            **self.choices(principal),
        )


def days_from_today(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()
