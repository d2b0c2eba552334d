"""Credit notes for finance staff: the list (which invoice each credits, for whom, how much and
why) and one credit note with its PDF. Read through the API's own document list and views."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from billing.api.deps import today
from billing.api.documents import documents_listed
from billing.api.views import document_view
from billing.pages.administration import finance_entity, finance_refused, page_not_found
from billing.pages.deps import PagesOf
from billing.pages.names import training_name, training_names
from billing.store import DOCUMENTS
from llo_shared.pages import PagePrincipal

NUMBER = re.compile(r"[A-Za-z0-9-]{1,60}")  # as the API's path takes it
MAX_LISTED = 500

# Why a credit note was made, per cause of its line (a manual credit note gives its own reason).
REASONS = {
    "surcharge_recomputation": "Lege-stoelentoeslag opnieuw berekend: er kwamen deelnemers bij",
    "withdrawal": "Deelnemer uitgeschreven",
    "cohort_cancelled": "Het startmoment gaat niet door of is samengevoegd met een ander",
}


def reason_of(credit_note: dict[str, Any]) -> str:
    """The reason in plain Dutch: what finance typed for a manual credit note, else its cause."""
    line = credit_note["lines"][0] if credit_note["lines"] else {}
    cause = (line.get("cause") or {}).get("kind", "")
    if cause == "manual":
        return str(line.get("description") or "Handmatig gecrediteerd")
    return REASONS.get(cause, "Correctie van de factuur")


router = APIRouter(include_in_schema=False)


@router.get("/billing/creditnotas", response_class=HTMLResponse)
async def credit_notes(request: Request, pages: PagesOf, principal: PagePrincipal) -> HTMLResponse:
    entity = await finance_entity(request, principal, None)
    if entity is None:
        return finance_refused(pages, request, principal)
    listed = await documents_listed(request, entity["_id"], "credit_note", None, MAX_LISTED)
    shown = listed["items"]
    names = await training_names(request.app.state.runtime.db, (d["cohort_id"] for d in shown))
    return pages.render(
        request,
        "credit_notes.html",
        principal,
        title="Creditnota's",
        entity=entity,
        items=[d | {"reason": reason_of(d), "training": training_name(names, d["cohort_id"])} for d in shown],
        total=listed["total"],
    )


@router.get("/billing/creditnotas/{number}", response_class=HTMLResponse)
async def credit_note(
    request: Request, pages: PagesOf, principal: PagePrincipal, number: str
) -> HTMLResponse:
    entity = await finance_entity(request, principal, None)
    if entity is None:
        return finance_refused(pages, request, principal)
    if not NUMBER.fullmatch(number):
        return page_not_found(pages, request, principal)
    db = request.app.state.runtime.db
    stored = await db[DOCUMENTS].find_one(
        {"entity_id": entity["_id"], "number": number, "kind": "credit_note"}, {"outbox": 0}
    )
    if stored is None:
        return page_not_found(pages, request, principal)
    doc = document_view(stored, today())
    names = await training_names(db, [doc["cohort_id"]])
    invoice = await db[DOCUMENTS].find_one(
        {"entity_id": entity["_id"], "number": doc["credited_number"], "kind": "invoice"}, {"outbox": 0}
    )
    return pages.render(
        request,
        "credit_note.html",
        principal,
        title=f"Creditnota {number}",
        entity=entity,
        doc=doc,
        reason=reason_of(doc),
        invoice=document_view(invoice, today()) if invoice else None,
        training=training_name(names, doc["cohort_id"]),
    )
