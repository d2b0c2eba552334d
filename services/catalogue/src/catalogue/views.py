"""How the catalogue shows its documents and refusals, once for the API and the pages: a document
without its bookkeeping (`public_doc`), a cohort as its owner or the public sees it (`cohort_view`),
a cohort on the go/no-go work list (`decision_view`), who may see an offering (`can_see_offering`),
and a named refusal as the API answers it (`problem_of`; a page answers it in Dutch with its status)."""

from __future__ import annotations

from typing import Any

from catalogue.documents import Document
from catalogue.domain import rules
from catalogue.domain.errors import Conflict, InvalidInput, NotFound, NotYours, Refusal
from llo_shared.auth import Principal
from llo_shared.outbox import strip_outbox
from llo_shared.problems import Problem

PRIVATE_FIELDS = ("enrolments", "enrolment_ids", "surcharge_acceptances", "surcharge_parts_now")


def public_doc(doc: Document) -> Document:
    """A document as the API shows it: no outbox, no store bookkeeping."""
    out = strip_outbox(doc)
    for bookkeeping in ("_id", "_ledger", "seats_version", "seat_slots", "search_tokens", "changed_at"):
        out.pop(bookkeeping, None)
    return out


def cohort_view(doc: dict[str, Any], owner_view: bool) -> dict[str, Any]:
    """Seat holders and payers are the provider's business; the public sees counts."""
    out = public_doc(doc)
    if not owner_view:
        for key in PRIVATE_FIELDS:
            out.pop(key, None)
    else:
        out["surcharge_parts_now"] = rules.surcharge_now(doc)  # in the order of decision.surcharge.payers
    out["start_guaranteed"] = rules.start_guaranteed(doc)
    return out


def decision_view(cohort: dict[str, Any]) -> dict[str, Any]:
    view = cohort_view(cohort, True)
    view["below_break_even"] = cohort["seats_taken"] < cohort["break_even"]
    view["seats_missing"] = rules.empty_seats(cohort)
    view["surcharge_total_cents"] = rules.surcharge_total_cents(cohort)
    view["surcharge_possible"] = rules.surcharge_problem(cohort) is None
    return view


def can_see_offering(viewer: Principal | None, offering: dict[str, Any]) -> bool:
    if offering["visibility"] == "public" and offering["status"] == "published":
        return True
    if viewer is None:
        return False
    return viewer.owns(offering["provider_id"]) or (
        offering["status"] == "published" and viewer.org in offering.get("visible_to", [])
    )


def problem_of(refusal: Refusal) -> Problem:
    """The catalogue's refusals as the API answers them (a page answers them in Dutch)."""
    named = {"field": refusal.field} if refusal.field else {}
    if isinstance(refusal, NotFound):
        return not_found(refusal.what, refusal.ident)
    if isinstance(refusal, NotYours):
        return Problem(403, "forbidden", "Not your organisation", refusal.detail)
    if isinstance(refusal, InvalidInput):
        errors = [{"field": field, "message": message} for field, message in refusal.errors]
        return Problem(422, "validation", "Invalid input", refusal.detail, errors=errors, **named)
    if isinstance(refusal, Conflict):
        return Problem(409, "conflict", "Conflict", refusal.detail, **named)
    return Problem(400, "bad-request", "Refused", refusal.detail, **named)


def not_found(what: str, ident: str) -> Problem:
    return Problem(404, "not-found", f"{what} not found", f"no {what.lower()} {ident}")
