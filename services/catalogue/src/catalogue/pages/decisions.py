"""The provider's go/no-go page: the planned cohorts due for a decision, each with what a decision
would mean (the payers that accepted a surcharge by name, with their parts), and the decision
itself through `usecases.take_decision`, the use case the API's `POST /cohorts/{id}/decision` calls.

Its refusals come back in Dutch: another provider's or an unknown cohort sends the provider back
to its overview with the reason; a decision the cohort's state does not allow, or a bad merge
target, returns the list with the message at the row's field (409 / 422).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from catalogue import usecases
from catalogue.domain import rules
from catalogue.domain.errors import NotFound, NotYours, Refusal
from catalogue.domain.model import DecisionIn
from catalogue.pages.deps import PageVisit, Visit, answering_refusals, redirect
from catalogue.store import CatalogueStore
from catalogue.views import decision_view, problem_of

router = APIRouter(include_in_schema=False)
WORK_LIST_DAYS = 30  # as the API's GET /decisions lists them by default
LISTED = 200


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
    items = (await usecases.work_list(store, provider_id, WORK_LIST_DAYS, None, LISTED))["items"]
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


def decisions_page(
    visit: Visit, rows: list[DecisionRow], status_code: int = 200, message: str = ""
) -> HTMLResponse:
    return visit.render(
        "decisions.html",
        status_code,
        title="Besluiten over doorgaan",
        rows=rows,
        decision_labels=DECISION_LABELS,
        today=visit.store.today(),
        message=message[:200],
    )


@router.get("/catalogue/aanbieder/besluiten", response_class=HTMLResponse)
@answering_refusals
async def decisions(visit: PageVisit, melding: str = "") -> Response:
    provider = await visit.acting_provider()
    rows = await decision_rows(visit.store, provider["_id"])
    return decisions_page(visit, rows, message=melding)


def choice_errors(chosen: dict[str, str]) -> dict[str, str]:
    """A decision the form lacks, in Dutch at its field (no default choice below the minimum group)."""
    if chosen["decision"] not in set(rules.Decision):
        return {"decision": DECISION_ERRORS["decision"]}
    if chosen["decision"] == rules.Decision.merge and not chosen["merge_into"]:
        return {"merge_into": DECISION_ERRORS["merge_into"]}
    return {}


@router.post("/catalogue/aanbieder/besluit", response_class=HTMLResponse)
@answering_refusals
async def decide(visit: PageVisit) -> Response:
    """One decision through the use case the API calls; without a choice the list comes back (422)."""
    form = await visit.request.form()
    cohort_id = str(form.get("cohort_id", ""))[:60]
    chosen = {name: str(form.get(name, ""))[:60] for name in ("decision", "merge_into")}
    principal = visit.principal
    if principal is None or principal.role not in ("provider", "admin"):
        return redirect("/catalogue/aanbieder", "Niet gelukt: log in als opleider.")
    errors, status_code = choice_errors(chosen), 422
    if not errors:
        merging = chosen["decision"] == rules.Decision.merge  # a target picked before is ignored
        body = DecisionIn(
            decision=rules.Decision(chosen["decision"]),
            merge_into=chosen["merge_into"] if merging else None,
        )
        try:
            await usecases.take_decision(visit.store, visit.index, principal, cohort_id, body)
        except (NotFound, NotYours) as refusal:
            return redirect("/catalogue/aanbieder", f"Niet gelukt: {decision_refusal(refusal)}")
        except Refusal as refusal:
            errors["merge_into" if merging else "decision"] = decision_refusal(refusal)
            status_code = problem_of(refusal).status
    if not errors:
        visit.request.app.state.runtime.relay.wake()
        return redirect("/catalogue/aanbieder/besluiten", "Besluit vastgelegd.")
    rows = await decision_rows(visit.store, principal.org)
    for row in rows:
        if row.cohort["cohort_id"] == cohort_id:
            row.chosen, row.errors = chosen, errors
    return decisions_page(visit, rows, status_code=status_code)
