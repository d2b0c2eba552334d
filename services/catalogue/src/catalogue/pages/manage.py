"""Provider pages to publish, edit and withdraw offerings, to schedule and edit cohorts, and to
take the go/no-go decisions (through the API's own use case, catalogue.api.cohorts.take_decision).

Plain POST forms (no JavaScript). Every write goes through the same pydantic models and store
functions as the JSON API; on an error the form comes back (422/409) with Dutch messages next to
the fields and nothing stored. Only a signed-in provider acts, and only on its own offerings.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from catalogue import usecases
from catalogue.api.cohorts import decision_view
from catalogue.api.deps import new_id, problem_of
from catalogue.domain import geo, rules
from catalogue.domain.errors import NotFound, NotYours, Refusal
from catalogue.domain.model import CohortCreate, CohortUpdate, DecisionIn, OfferingCreate, OfferingUpdate
from catalogue.domain.vocab import Registration, VatCode
from catalogue.pages import forms
from catalogue.store import CatalogueStore
from llo_shared.auth import Principal
from llo_shared.pages import PagePrincipal, Pages
from llo_shared.skills import load_skills

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


class Refused(Exception):
    """A page that answers instead of the form: sign in, not found, not yours."""

    def __init__(self, response: Response) -> None:
        self.response = response


def answering_refusals(
    handler: Callable[..., Awaitable[Response]],
) -> Callable[..., Awaitable[Response]]:
    @functools.wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return await handler(*args, **kwargs)
        except Refused as refused:
            return refused.response

    return wrapper


def skill_groups() -> list[tuple[str, list[Any]]]:
    """The skills reference set per SBB domain, for grouped checkboxes."""
    reference = load_skills()
    titles = {d.code: d.label for d in reference.domains}
    groups: dict[str, list[Any]] = {}
    for skill in reference.skills:
        if not skill.deprecated:
            groups.setdefault(titles.get(skill.domain or "", "Algemeen"), []).append(skill)
    return list(groups.items())


DECISION_LABELS = {
    rules.Decision.go: "Doorgaan",
    rules.Decision.go_with_surcharge: "Doorgaan met lege-stoelentoeslag",
    rules.Decision.merge: "Samenvoegen met een ander startmoment",
    rules.Decision.cancel: "Niet doorgaan",
}
DECISION_ERRORS = {
    "decision": "Kies bij Besluit wat er met dit startmoment gebeurt.",
    "merge_into": "Kies bij 'Samenvoegen met' het startmoment waarmee u samenvoegt.",
}


@dataclass(frozen=True)
class PayerPart:
    """One payer's part of the surcharge as the decision would fix it."""

    name: str
    seats: int
    amount_cents: int


@dataclass
class DecisionRow:
    """One start moment on the go/no-go list, with what the provider typed if the form came back."""

    cohort: dict[str, Any]
    title: str
    overdue: bool
    below_break_even: bool
    parts: list[PayerPart]
    surcharge_note: str | None
    merge_targets: list[dict[str, Any]]
    chosen: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def payer_name(payer: dict[str, Any]) -> str:
    """A payer by name; without one, by kind and number ("werkgever (KvK 39084217)"), never blank."""
    name = str(payer.get("name") or "").strip()
    if name:
        return name
    number = str(payer.get("payer_id") or "").split("-", 1)[-1]
    kind = {"employer": "werkgever", "participant": "deelnemer"}.get(str(payer.get("kind")), "betaler")
    return f"{kind} (KvK {number})" if kind == "werkgever" and number else f"{kind} {number}".strip()


def surcharge_parts(cohort: dict[str, Any]) -> list[PayerPart]:
    """Each accepting payer with the part the go-with-surcharge decision would fix (rules.split_surcharge)."""
    acceptances = cohort.get("surcharge_acceptances") or []
    shares = rules.split_surcharge(rules.surcharge_total_cents(cohort), acceptances)
    return [PayerPart(payer_name(s.payer), s.seats, s.amount_cents) for s in shares]


def surcharge_note(view: dict[str, Any], parts: list[PayerPart]) -> str | None:
    """Why go-with-surcharge is not offered, in Dutch (rules.surcharge_problem decides)."""
    if view["surcharge_possible"] or not view["below_break_even"]:
        return None
    if not parts:
        return "Geen toeslag mogelijk: nog geen werkgever heeft een lege-stoelentoeslag geaccepteerd."
    return "Geen toeslag mogelijk: een deel is hoger dan het maximum dat de werkgever accepteerde."


async def decision_rows(store: CatalogueStore, provider_id: str) -> list[DecisionRow]:
    """The go/no-go list of one provider: the API's work list (pending_query, decision_view)."""
    items = (await usecases.work_list(store, provider_id, 30, None, 200))["items"]
    today = store.today()
    siblings = await store.cohorts_of(sorted({c["offering_id"] for c in items}))
    titles = {
        o["_id"]: o["title"]
        for o in (await store.offerings({"provider_id": provider_id}, None, 500))["items"]
    }
    rows = []
    for cohort in sorted(items, key=lambda c: (c["decision_date"], c["_id"])):
        view = decision_view(cohort)
        parts = surcharge_parts(cohort)
        rows.append(
            DecisionRow(
                cohort=view,
                title=titles.get(cohort["offering_id"], "Opleiding"),
                overdue=date.fromisoformat(cohort["decision_date"]) < today,
                below_break_even=view["below_break_even"],
                parts=parts,
                surcharge_note=surcharge_note(view, parts),
                merge_targets=[
                    t
                    for t in siblings
                    if t["_id"] != cohort["_id"]
                    and t["offering_id"] == cohort["offering_id"]
                    and t["status"] in rules.OPEN_FOR_SEATS
                    and t["seats_left"] >= cohort["seats_taken"]
                ],
            )
        )
    return rows


def decision_refusal(refusal: Refusal) -> str:
    """The decision's refusal (usecases.take_decision), in Dutch."""
    if isinstance(refusal, NotFound):
        return "Dit startmoment bestaat niet."
    if isinstance(refusal, NotYours):
        return "Dit startmoment is niet van u."
    if problem_of(refusal).status == 409:
        return "Over dit startmoment is al besloten, of een toeslag is nu niet mogelijk."
    return "Kies een startmoment om mee samen te voegen."


def manage_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    skills = skill_groups()

    def store(request: Request) -> CatalogueStore:
        return request.app.state.catalogue_store

    def refuse(request: Request, principal: Principal | None, status: int, message: str) -> Refused:
        template = (
            "sign_in_needed.html" if principal is None or principal.role != "provider" else "forbidden.html"
        )
        return Refused(
            pages.render(
                request,
                template,
                principal,
                status_code=status,
                title="Niet toegestaan" if status == 403 else "Niet gevonden",
                role_label="opleider",
                message=message,
            )
        )

    async def acting_provider(request: Request, principal: Principal | None) -> dict[str, Any]:
        if principal is None or principal.role != "provider":
            raise refuse(request, principal, 403, "Meld u aan als opleider.")
        provider = await store(request).provider(principal.org)
        if provider is None:
            raise refuse(request, principal, 403, "Uw organisatie is nog niet als opleider geregistreerd.")
        return provider

    async def owned(
        request: Request,
        principal: Principal | None,
        load: Callable[[], Awaitable[dict[str, Any] | None]],
        missing: str,
        foreign: str,
    ) -> dict[str, Any]:
        """The document `load()` finds, if it belongs to the signed-in provider (checked first)."""
        provider = await acting_provider(request, principal)
        document = await load()
        if document is None:
            raise refuse(request, principal, 404, missing)
        if document["provider_id"] != provider["_id"]:
            raise refuse(request, principal, 403, foreign)
        return document

    async def own_offering(request: Request, principal: Principal | None, offering_id: str) -> dict[str, Any]:
        return await owned(
            request,
            principal,
            lambda: store(request).offering(offering_id),
            "Deze opleiding bestaat niet.",
            "Deze opleiding is van een andere opleider.",
        )

    async def own_cohort(request: Request, principal: Principal | None, cohort_id: str) -> dict[str, Any]:
        return await owned(
            request,
            principal,
            lambda: store(request).cohort(cohort_id),
            "Dit startmoment bestaat niet.",
            "Dit startmoment is van een andere opleider.",
        )

    def published(
        request: Request, offering: dict[str, Any] | None = None, cohort: dict | None = None
    ) -> None:
        index = request.app.state.search_index
        if offering is not None:
            index.upsert_offering(offering)
        if cohort is not None:
            index.upsert_cohort(cohort)
        request.app.state.runtime.relay.wake()

    def redirect(path: str, message: str) -> RedirectResponse:
        return RedirectResponse(f"{path}?{urlencode({'melding': message})}", status_code=303)

    async def offering_form(
        request: Request,
        principal: Principal | None,
        values: dict[str, Any],
        errors: dict[str, str],
        offering: dict[str, Any] | None = None,
        status_code: int = 200,
        message: str = "",
    ) -> HTMLResponse:
        cohorts = await store(request).cohorts_of([offering["_id"]]) if offering else []
        return pages.render(
            request,
            "offering_form.html",
            principal,
            status_code=status_code,
            title=f"Opleiding wijzigen: {offering['title']}" if offering else "Nieuwe opleiding",
            values=values,
            errors=errors,
            offering=offering,
            cohorts=cohorts,
            editable_statuses=rules.OPEN_FOR_SEATS,
            skill_groups=skills,
            registration_labels=REGISTRATION_LABELS,
            vat_labels=VAT_LABELS,
            message=message[:200],
        )

    # Offerings ---------------------------------------------------------------------------------

    @router.get("/catalogue/aanbieder/aanbod/nieuw", response_class=HTMLResponse)
    @answering_refusals
    async def new_offering(request: Request, principal: PagePrincipal) -> Response:
        await acting_provider(request, principal)
        return await offering_form(request, principal, dict(NEW_OFFERING), {})

    @router.post("/catalogue/aanbieder/aanbod/nieuw", response_class=HTMLResponse)
    @answering_refusals
    async def create_offering(request: Request, principal: PagePrincipal) -> Response:
        provider = await acting_provider(request, principal)
        values = forms.offering_values(await request.form())
        try:
            data = OfferingCreate.model_validate(forms.offering_input(values))
            doc = await usecases.publish_offering(store(request), provider, data, new_id("off", data.title))
        except ValidationError as error:
            errors = forms.validation_errors(error, OFFERING_FIELDS)
            return await offering_form(request, principal, values, errors, status_code=422)
        except Refusal as refusal:
            errors = forms.refusal_errors(refusal, OFFERING_FIELDS)
            return await offering_form(
                request, principal, values, errors, status_code=problem_of(refusal).status
            )
        published(request, offering=doc)
        return redirect(f"/catalogue/aanbieder/aanbod/{doc['_id']}", "Opleiding gepubliceerd.")

    @router.get("/catalogue/aanbieder/aanbod/{offering_id}", response_class=HTMLResponse)
    @answering_refusals
    async def edit_offering(
        offering_id: str, request: Request, principal: PagePrincipal, melding: str = ""
    ) -> Response:
        offering = await own_offering(request, principal, offering_id)
        values = forms.offering_form_values(offering)
        return await offering_form(request, principal, values, {}, offering, message=melding)

    @router.post("/catalogue/aanbieder/aanbod/{offering_id}", response_class=HTMLResponse)
    @answering_refusals
    async def update_offering(offering_id: str, request: Request, principal: PagePrincipal) -> Response:
        offering = await own_offering(request, principal, offering_id)
        provider = await acting_provider(request, principal)
        values = forms.offering_values(await request.form())
        try:
            data = OfferingUpdate.model_validate(forms.offering_input(values))
            doc = await usecases.update_offering(store(request), offering, provider, data, data.version)
        except ValidationError as error:
            errors = forms.validation_errors(error, OFFERING_FIELDS)
            return await offering_form(request, principal, values, errors, offering, status_code=422)
        except Refusal as refusal:
            errors = forms.refusal_errors(refusal, OFFERING_FIELDS)
            return await offering_form(
                request, principal, values, errors, offering, problem_of(refusal).status
            )
        published(request, offering=doc)
        return redirect(f"/catalogue/aanbieder/aanbod/{offering_id}", "Wijzigingen opgeslagen.")

    @router.post("/catalogue/aanbieder/aanbod/{offering_id}/intrekken")
    @answering_refusals
    async def withdraw_offering(offering_id: str, request: Request, principal: PagePrincipal) -> Response:
        offering = await own_offering(request, principal, offering_id)
        try:
            doc = await usecases.withdraw_offering(store(request), offering)
        except Refusal:
            return redirect("/catalogue/aanbieder", "Deze opleiding was al ingetrokken.")
        published(request, offering=doc)
        return redirect("/catalogue/aanbieder", f"Opleiding ingetrokken: {offering['title']}.")

    # Cohorts -----------------------------------------------------------------------------------

    def cohort_form(
        request: Request,
        principal: Principal | None,
        offering: dict[str, Any],
        values: dict[str, Any],
        errors: dict[str, str],
        cohort: dict[str, Any] | None = None,
        status_code: int = 200,
        message: str = "",
    ) -> HTMLResponse:
        return pages.render(
            request,
            "cohort_form.html",
            principal,
            status_code=status_code,
            title=f"Startmoment {'wijzigen' if cohort else 'plannen'}: {offering['title']}",
            offering=offering,
            cohort=cohort,
            editable=cohort is None or cohort["status"] in rules.OPEN_FOR_SEATS,
            values=values,
            errors=errors,
            places=geo.PLACES,
            message=message[:200],
        )

    def cohort_data(values: dict[str, Any]) -> dict[str, Any]:
        place = geo.place_of_municipality(values["municipality"])
        return forms.cohort_input(values, place.pc4 if place else None)

    @router.get("/catalogue/aanbieder/aanbod/{offering_id}/startmoment", response_class=HTMLResponse)
    @answering_refusals
    async def new_cohort(offering_id: str, request: Request, principal: PagePrincipal) -> Response:
        offering = await own_offering(request, principal, offering_id)
        values = {
            "capacity": "16",
            "break_even": "12",
            # The offering's price, components added up: what the portal shows for it.
            "seat_price_euro": forms.cents_to_euro(rules.list_price_cents(offering)),
            "rolling": offering["start_policy"] == "continuous",
        }
        return cohort_form(request, principal, offering, values, {})

    @router.post("/catalogue/aanbieder/aanbod/{offering_id}/startmoment", response_class=HTMLResponse)
    @answering_refusals
    async def schedule_cohort(offering_id: str, request: Request, principal: PagePrincipal) -> Response:
        offering = await own_offering(request, principal, offering_id)
        values = forms.cohort_values(await request.form())
        try:
            data = CohortCreate.model_validate({**cohort_data(values), "offering_id": offering_id})
            doc = await usecases.schedule_cohort(
                store(request), offering, data, new_id("coh", offering_id[:20])
            )
        except ValidationError as error:
            errors = forms.validation_errors(error, COHORT_FIELDS)
            return cohort_form(request, principal, offering, values, errors, status_code=422)
        except Refusal as refusal:
            errors = forms.refusal_errors(refusal, COHORT_FIELDS)
            return cohort_form(
                request, principal, offering, values, errors, status_code=problem_of(refusal).status
            )
        published(request, cohort=doc)
        return redirect(f"/catalogue/aanbieder/aanbod/{offering_id}", "Startmoment gepland.")

    @router.get("/catalogue/aanbieder/startmoment/{cohort_id}", response_class=HTMLResponse)
    @answering_refusals
    async def edit_cohort(cohort_id: str, request: Request, principal: PagePrincipal) -> Response:
        cohort = await own_cohort(request, principal, cohort_id)
        offering = await store(request).offering_of(cohort)
        return cohort_form(request, principal, offering, forms.cohort_form_values(cohort), {}, cohort)

    @router.post("/catalogue/aanbieder/startmoment/{cohort_id}", response_class=HTMLResponse)
    @answering_refusals
    async def update_cohort(cohort_id: str, request: Request, principal: PagePrincipal) -> Response:
        cohort = await own_cohort(request, principal, cohort_id)
        offering = await store(request).offering_of(cohort)
        values = forms.cohort_values(await request.form())
        try:
            data = CohortUpdate.model_validate(cohort_data(values))
            doc = await usecases.update_cohort(store(request), cohort, offering, data, data.version)
        except ValidationError as error:
            errors = forms.validation_errors(error, COHORT_FIELDS)
            return cohort_form(request, principal, offering, values, errors, cohort, status_code=422)
        except Refusal as refusal:
            errors = forms.refusal_errors(refusal, COHORT_FIELDS)
            return cohort_form(
                request, principal, offering, values, errors, cohort, problem_of(refusal).status
            )
        published(request, cohort=doc)
        return redirect(f"/catalogue/aanbieder/aanbod/{cohort['offering_id']}", "Startmoment gewijzigd.")

    # Go / no-go ---------------------------------------------------------------------------------

    def decisions_page(
        request: Request,
        principal: Principal | None,
        rows: list[DecisionRow],
        status_code: int = 200,
        message: str = "",
    ) -> HTMLResponse:
        return pages.render(
            request,
            "decisions.html",
            principal,
            status_code=status_code,
            title="Besluiten over doorgaan",
            rows=rows,
            decision_labels=DECISION_LABELS,
            today=store(request).today(),
            message=message[:200],
        )

    @router.get("/catalogue/aanbieder/besluiten", response_class=HTMLResponse)
    @answering_refusals
    async def decisions(request: Request, principal: PagePrincipal, melding: str = "") -> Response:
        provider = await acting_provider(request, principal)
        rows = await decision_rows(store(request), provider["_id"])
        return decisions_page(request, principal, rows, message=melding)

    @router.post("/catalogue/aanbieder/besluit", response_class=HTMLResponse)
    @answering_refusals
    async def decide(request: Request, principal: PagePrincipal) -> Response:
        """One decision through the API's use case; without a choice the list comes back (422)."""
        form = await request.form()
        cohort_id = str(form.get("cohort_id", ""))[:60]
        chosen = {name: str(form.get(name, ""))[:60] for name in ("decision", "merge_into")}
        if principal is None or principal.role not in ("provider", "admin"):
            return redirect("/catalogue/aanbieder", "Niet gelukt: log in als opleider.")
        errors, status_code = {}, 422
        if chosen["decision"] not in set(rules.Decision):
            errors["decision"] = DECISION_ERRORS["decision"]
        elif chosen["decision"] == rules.Decision.merge and not chosen["merge_into"]:
            errors["merge_into"] = DECISION_ERRORS["merge_into"]
        if not errors:
            merging = chosen["decision"] == rules.Decision.merge  # a target picked before is ignored
            body = DecisionIn(
                decision=rules.Decision(chosen["decision"]),
                merge_into=chosen["merge_into"] if merging else None,
            )
            try:
                await usecases.take_decision(
                    store(request), request.app.state.search_index, principal, cohort_id, body
                )
            except (NotFound, NotYours) as refusal:
                return redirect("/catalogue/aanbieder", f"Niet gelukt: {decision_refusal(refusal)}")
            except Refusal as refusal:
                errors["merge_into" if merging else "decision"] = decision_refusal(refusal)
                status_code = problem_of(refusal).status
        if not errors:
            request.app.state.runtime.relay.wake()
            return redirect("/catalogue/aanbieder/besluiten", "Besluit vastgelegd.")
        rows = await decision_rows(store(request), principal.org)
        for row in rows:
            if row.cohort["cohort_id"] == cohort_id:
                row.chosen, row.errors = chosen, errors
        return decisions_page(request, principal, rows, status_code=status_code)

    return router
