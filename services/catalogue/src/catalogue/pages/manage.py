"""The provider's own pages: the overview of its offerings, start moments, go/no-go work and
consortia, and the forms to publish, edit and withdraw offerings and to schedule and edit cohorts.

Plain POST forms (no JavaScript). Every write goes through the same pydantic models and use cases
as the JSON API; on an error the form comes back (422/409) with Dutch messages next to the fields
and nothing stored. Only a signed-in provider acts, and only on its own offerings.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from catalogue import usecases
from catalogue.documents import Document, new_id
from catalogue.domain import geo, rules
from catalogue.domain.errors import Refusal
from catalogue.domain.model import CohortCreate, CohortUpdate, OfferingCreate, OfferingUpdate
from catalogue.domain.vocab import Registration, VatCode
from catalogue.pages import forms
from catalogue.pages.decisions import decision_rows
from catalogue.pages.deps import PageVisit, Visit, answering_refusals, redirect
from catalogue.views import problem_of
from llo_shared.skills import load_skills

router = APIRouter(include_in_schema=False)

OFFERING_FIELDS = {
    *forms.OFFERING_TEXTS,
    *forms.OFFERING_LISTS,
    *forms.OFFERING_FLAGS,
    *forms.OFFERING_COMMA_LISTS,
}
COHORT_FIELDS = {*forms.COHORT_TEXTS, "rolling"}
REGISTRATION_LABELS = {
    Registration.individual: "Individueel",
    Registration.group: "Als groep (via de werkgever)",
}
VAT_LABELS = {VatCode.exempt: "Vrijgesteld (erkend beroepsonderwijs)", VatCode.standard: "21% btw"}
NEW_OFFERING = {
    "level": "2",
    "start_policy": "fixed",
    "visibility": "public",
    "vat_code": "E",
    "intake_required": True,
    "registration": ["individual"],
    "exam_euro": "0",
    "materials_euro": "0",
}


@functools.cache
def skill_groups() -> list[tuple[str, list[Any]]]:
    """The skills reference set per SBB domain, for grouped checkboxes."""
    reference = load_skills()
    titles = {d.code: d.label for d in reference.domains}
    groups: dict[str, list[Any]] = {}
    for skill in reference.skills:
        if not skill.deprecated:
            groups.setdefault(titles.get(skill.domain or "", "Algemeen"), []).append(skill)
    return list(groups.items())


@dataclass(frozen=True)
class Filled:
    """A form as it is shown: what is in its fields, the errors at them, its status and a message."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    status_code: int = 200
    message: str = ""


@dataclass(frozen=True)
class Written:
    """What a form's write came to: the stored document, or the errors per field and the status."""

    doc: Document | None
    errors: dict[str, str]
    status_code: int = 200

    def filled(self, values: dict[str, Any]) -> Filled:
        """The form again, as typed, with the errors."""
        return Filled(values, self.errors, self.status_code)


async def write_form(write: Callable[[], Awaitable[Document]], fields: set[str]) -> Written:
    """Validate and write through the use case; a bad field or a refusal becomes Dutch at its field."""
    try:
        return Written(await write(), {})
    except ValidationError as error:
        return Written(None, forms.validation_errors(error, fields), 422)
    except Refusal as refusal:
        return Written(None, forms.refusal_errors(refusal, fields), problem_of(refusal).status)


def by_offering(cohorts: list[Document]) -> dict[str, list[Document]]:
    grouped: dict[str, list[Document]] = {}
    for cohort in cohorts:
        grouped.setdefault(cohort["offering_id"], []).append(cohort)
    return grouped


@router.get("/catalogue/aanbieder", response_class=HTMLResponse)
async def provider_page(visit: PageVisit, melding: str = "") -> HTMLResponse:
    principal, store = visit.principal, visit.store
    if principal is None or principal.role not in ("provider", "admin"):
        return visit.sign_in_needed("Opleiders", "opleider")
    org = principal.org
    own = await store.offerings({"provider_id": org}, None, 100)
    cohorts = await store.cohorts_of([o["_id"] for o in own["items"]])
    decisions = await decision_rows(store, org)
    consortia = (await store.consortia({"members": org}, None, 50))["items"]
    return visit.render(
        "provider.html",
        title="Mijn aanbod",
        provider=await store.provider(org),
        offerings=own["items"][:100],
        total=own["total"],
        cohorts=by_offering(cohorts),
        decisions=decisions,
        message=melding[:200],
        consortia=consortia[:50],
        today=store.today(),
    )


# Offerings ---------------------------------------------------------------------------------


async def offering_form(visit: Visit, filled: Filled, offering: Document | None = None) -> HTMLResponse:
    cohorts = await visit.store.cohorts_of([offering["_id"]]) if offering else []
    return visit.render(
        "offering_form.html",
        filled.status_code,
        title=f"Opleiding wijzigen: {offering['title']}" if offering else "Nieuwe opleiding",
        values=filled.values,
        errors=filled.errors,
        offering=offering,
        cohorts=cohorts,
        editable_statuses=rules.OPEN_FOR_SEATS,
        skill_groups=skill_groups(),
        registration_labels=REGISTRATION_LABELS,
        vat_labels=VAT_LABELS,
        message=filled.message[:200],
    )


@router.get("/catalogue/aanbieder/aanbod/nieuw", response_class=HTMLResponse)
@answering_refusals
async def new_offering(visit: PageVisit) -> Response:
    await visit.acting_provider()
    return await offering_form(visit, Filled(dict(NEW_OFFERING)))


@router.post("/catalogue/aanbieder/aanbod/nieuw", response_class=HTMLResponse)
@answering_refusals
async def create_offering(visit: PageVisit) -> Response:
    provider = await visit.acting_provider()
    values = forms.offering_values(await visit.request.form())

    async def publish() -> Document:
        data = OfferingCreate.model_validate(forms.offering_input(values))
        return await usecases.publish_offering(visit.store, provider, data, new_id("off", data.title))

    written = await write_form(publish, OFFERING_FIELDS)
    if written.doc is None:
        return await offering_form(visit, written.filled(values))
    visit.published(offering=written.doc)
    return redirect(f"/catalogue/aanbieder/aanbod/{written.doc['_id']}", "Opleiding gepubliceerd.")


@router.get("/catalogue/aanbieder/aanbod/{offering_id}", response_class=HTMLResponse)
@answering_refusals
async def edit_offering(offering_id: str, visit: PageVisit, melding: str = "") -> Response:
    offering = await visit.own_offering(offering_id)
    values = forms.offering_form_values(offering)
    return await offering_form(visit, Filled(values, message=melding), offering)


@router.post("/catalogue/aanbieder/aanbod/{offering_id}", response_class=HTMLResponse)
@answering_refusals
async def update_offering(offering_id: str, visit: PageVisit) -> Response:
    offering = await visit.own_offering(offering_id)
    provider = await visit.acting_provider()
    values = forms.offering_values(await visit.request.form())

    async def update() -> Document:
        data = OfferingUpdate.model_validate(forms.offering_input(values))
        return await usecases.update_offering(visit.store, offering, provider, data, data.version)

    written = await write_form(update, OFFERING_FIELDS)
    if written.doc is None:
        return await offering_form(visit, written.filled(values), offering)
    visit.published(offering=written.doc)
    return redirect(f"/catalogue/aanbieder/aanbod/{offering_id}", "Wijzigingen opgeslagen.")


@router.post("/catalogue/aanbieder/aanbod/{offering_id}/intrekken")
@answering_refusals
async def withdraw_offering(offering_id: str, visit: PageVisit) -> Response:
    offering = await visit.own_offering(offering_id)
    try:
        doc = await usecases.withdraw_offering(visit.store, offering)
    except Refusal:
        return redirect("/catalogue/aanbieder", "Deze opleiding was al ingetrokken.")
    visit.published(offering=doc)
    return redirect("/catalogue/aanbieder", f"Opleiding ingetrokken: {offering['title']}.")


# Cohorts -----------------------------------------------------------------------------------


def cohort_form(
    visit: Visit, offering: Document, filled: Filled, cohort: Document | None = None
) -> HTMLResponse:
    return visit.render(
        "cohort_form.html",
        filled.status_code,
        title=f"Startmoment {'wijzigen' if cohort else 'plannen'}: {offering['title']}",
        offering=offering,
        cohort=cohort,
        editable=cohort is None or cohort["status"] in rules.OPEN_FOR_SEATS,
        values=filled.values,
        errors=filled.errors,
        places=geo.PLACES,
        message=filled.message[:200],
    )


def cohort_data(values: dict[str, Any]) -> dict[str, Any]:
    place = geo.place_of_municipality(values["municipality"])
    return forms.cohort_input(values, place.pc4 if place else None)


@router.get("/catalogue/aanbieder/aanbod/{offering_id}/startmoment", response_class=HTMLResponse)
@answering_refusals
async def new_cohort(offering_id: str, visit: PageVisit) -> Response:
    offering = await visit.own_offering(offering_id)
    values = {
        "capacity": "16",
        "break_even": "12",
        # The offering's price, components added up: what the portal shows for it.
        "seat_price_euro": forms.cents_to_euro(rules.list_price_cents(offering)),
        "rolling": offering["start_policy"] == "continuous",
    }
    return cohort_form(visit, offering, Filled(values))


@router.post("/catalogue/aanbieder/aanbod/{offering_id}/startmoment", response_class=HTMLResponse)
@answering_refusals
async def schedule_cohort(offering_id: str, visit: PageVisit) -> Response:
    offering = await visit.own_offering(offering_id)
    values = forms.cohort_values(await visit.request.form())

    async def schedule() -> Document:
        data = CohortCreate.model_validate({**cohort_data(values), "offering_id": offering_id})
        return await usecases.schedule_cohort(visit.store, offering, data, new_id("coh", offering_id[:20]))

    written = await write_form(schedule, COHORT_FIELDS)
    if written.doc is None:
        return cohort_form(visit, offering, written.filled(values))
    visit.published(cohort=written.doc)
    return redirect(f"/catalogue/aanbieder/aanbod/{offering_id}", "Startmoment gepland.")


@router.get("/catalogue/aanbieder/startmoment/{cohort_id}", response_class=HTMLResponse)
@answering_refusals
async def edit_cohort(cohort_id: str, visit: PageVisit) -> Response:
    cohort = await visit.own_cohort(cohort_id)
    offering = await visit.store.offering_of(cohort)
    return cohort_form(visit, offering, Filled(forms.cohort_form_values(cohort)), cohort)


@router.post("/catalogue/aanbieder/startmoment/{cohort_id}", response_class=HTMLResponse)
@answering_refusals
async def update_cohort(cohort_id: str, visit: PageVisit) -> Response:
    cohort = await visit.own_cohort(cohort_id)
    offering = await visit.store.offering_of(cohort)
    values = forms.cohort_values(await visit.request.form())

    async def update() -> Document:
        data = CohortUpdate.model_validate(cohort_data(values))
        return await usecases.update_cohort(visit.store, cohort, offering, data, data.version)

    written = await write_form(update, COHORT_FIELDS)
    if written.doc is None:
        return cohort_form(visit, offering, written.filled(values), cohort)
    visit.published(cohort=written.doc)
    return redirect(f"/catalogue/aanbieder/aanbod/{cohort['offering_id']}", "Startmoment gewijzigd.")
