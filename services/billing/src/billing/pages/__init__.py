"""Dutch pages for finance staff: ledgers side by side, invoices with filters and status, an
invoice with its lines traced to their cause, the cohort allocation report, payment import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from billing.api.deps import today
from billing.api.documents import list_documents
from billing.api.reports import allocation_row
from billing.api.views import document_view
from billing.domain.bank_statements import StatementError
from billing.domain.ledgers import Ledger
from billing.domain.money import format_eur
from billing.pages.administration import administration_router, finance_entity, finance_refused
from billing.pages.ageing import ageing_router
from billing.pages.consortium import consortium_router
from billing.pages.credit_notes import credit_notes_router
from billing.pages.downloads import downloads_router
from billing.pages.employer import employer_router
from billing.pages.manual_payment import manual_payment_router
from billing.pages.names import training_name, training_names
from billing.pages.overrides import overrides_router
from billing.pages.payers import payers_router
from billing.store import COHORTS, DOCUMENTS
from billing.usecases.consortium import KIND_LABELS as CONSORTIUM_KIND_LABELS
from billing.usecases.payments_import import (
    book_import,
    guess_format,
    import_view,
    propose,
    save_import,
    statement_entries,
)
from billing.usecases.reports import cohort_allocation, entity_documents, ledger_summary
from llo_shared.dutch import FieldError
from llo_shared.pages import PagePrincipal, Pages
from llo_shared.problems import Problem

TEMPLATES = Path(__file__).parent / "templates"
MAX_STATEMENT_BYTES = 5_000_000

# the glossary's words (../shared/GLOSSARY.md, Billing)
STATUS_LABELS = {
    "open": "openstaand",
    "partly_paid": "deels betaald",
    "paid": "betaald",
    "overdue": "te laat",
    "credited": "gecrediteerd",
    "overpaid": "te veel betaald",
    "issued": "uitgegeven",
}
CAUSE_LABELS = {
    "private_seat": "private opleidingsplaats",
    "surcharge": "lege-stoelentoeslag",
    "surcharge_recomputation": "herberekening toeslag",
    "withdrawal": "uitschrijving",
    "cohort_cancelled": "startmoment gaat niet door",
    "manual": "handmatig",
    "consortium_cost": "gedeelde kosten consortium",
}
# The event a line was billed on, as a person reads it; the event's name itself is English code.
EVENT_LABELS = {
    "ParticipantEnrolled": "deelnemer ingeschreven",
    "EnrolmentWithdrawn": "deelnemer afgemeld",
    "CohortScheduled": "startmoment gepland",
    "CohortUpdated": "startmoment gewijzigd",
    "SeatReserved": "plaats bezet",
    "SeatReleased": "plaats vrijgekomen",
    "CohortConfirmed": "startmoment gaat door",
    "CohortCancelled": "startmoment gaat niet door",
}
LEDGER_LABELS = {"publiek": "publieke middelen", "privaat": "private middelen"}
# Cost centres that are no start moment: the reasons of a manual invoice and the shared costs.
COST_CENTRE_LABELS = {"extra_begeleiding": "Extra begeleiding", "other": "Overig"} | CONSORTIUM_KIND_LABELS


def unreadable_statement(error: StatementError) -> str:
    """ "Rij 3: De datum ... moet jjjj-mm-dd zijn": where in the file, and what is wrong, in Dutch."""
    message = error.dutch or "Dit bestand kunnen we niet lezen als bankafschrift."
    where = error.dutch_where
    return f"{where[:1].upper()}{where[1:]}: {message}" if where else message


def page_router(pages: Pages) -> APIRouter:
    pages.templates.env.filters["eur"] = format_eur
    pages.templates.env.globals |= {
        "status_labels": STATUS_LABELS,
        "cause_labels": CAUSE_LABELS,
        "event_labels": EVENT_LABELS,
        "ledger_labels": LEDGER_LABELS,
        "cost_centre_labels": COST_CENTRE_LABELS,
        "training_name": training_name,
    }
    router = APIRouter(include_in_schema=False)

    def not_allowed(request: Request, principal: Any) -> HTMLResponse:
        return finance_refused(pages, request, principal)

    @router.get("/billing/", response_model=None)
    async def home(
        request: Request, principal: PagePrincipal, entiteit: str | None = None
    ) -> HTMLResponse | RedirectResponse:
        entity = await finance_entity(request, principal, entiteit)
        if entity is None and principal is not None and principal.role == "admin":
            return RedirectResponse("/billing/administratie", status_code=303)  # nobody chose one yet
        if entity is None:
            return pages.render(request, "home.html", principal, title="Facturatie", entity=None, ledgers=[])
        documents = await entity_documents(request.app.state.runtime.db, entity["_id"])
        ledgers = ledger_summary(documents, today())
        return pages.render(
            request, "home.html", principal, title="Facturatie", entity=entity, ledgers=ledgers
        )

    @router.get("/billing/facturen", response_class=HTMLResponse)
    async def invoices(
        request: Request,
        principal: PagePrincipal,
        grootboek: str = "",
        status: str = "",
        soort: str = "invoice",
        betaler: str = "",
        entiteit: str | None = None,
    ) -> HTMLResponse:
        entity = await finance_entity(request, principal, entiteit)
        if entity is None:
            return not_allowed(request, principal)
        ledger = Ledger(grootboek) if grootboek in Ledger.__members__ else None
        kind = soort if soort in ("invoice", "credit_note") else "invoice"
        chosen_status = status if status in STATUS_LABELS else None
        payer = betaler[:100] or None
        items = await list_documents(request, entity["_id"], kind, ledger, chosen_status, None, payer)
        names = await training_names(request.app.state.runtime.db, (d["cohort_id"] for d in items[:500]))
        return pages.render(
            request,
            "invoices.html",
            principal,
            title="Facturen",
            entity=entity,
            items=items[:500],
            total=len(items),
            grootboek=grootboek,
            status=status,
            soort=kind,
            training_names=names,
            betaler=payer or "",
            payer_name=items[0]["payer"]["name"] if payer and items else "",
            training_name=training_name,
        )

    @router.get("/billing/facturen/{number}", response_class=HTMLResponse)
    async def invoice(request: Request, principal: PagePrincipal, number: str) -> HTMLResponse:
        entity = await finance_entity(request, principal, request.query_params.get("entiteit"))
        if entity is None:
            return not_allowed(request, principal)
        stored = await request.app.state.runtime.db[DOCUMENTS].find_one(
            {"entity_id": entity["_id"], "number": number}, {"outbox": 0}
        )
        if stored is None:
            return pages.render(request, "not_found.html", principal, status_code=404, title="Niet gevonden")
        return pages.render(
            request,
            "invoice.html",
            principal,
            title=f"Factuur {number}",
            entity=entity,
            doc=document_view(stored, today()),
            names=await training_names(request.app.state.runtime.db, [stored.get("cohort_id")]),
        )

    @router.get("/billing/toerekening", response_class=HTMLResponse)
    async def allocation(
        request: Request, principal: PagePrincipal, entiteit: str | None = None
    ) -> HTMLResponse:
        entity = await finance_entity(request, principal, entiteit)
        if entity is None:
            return not_allowed(request, principal)
        db = request.app.state.runtime.db
        cohorts = (
            await db[COHORTS].find({"provider_id": entity["_id"]}, {"_id": 1}).sort("_id", 1).to_list(None)
        )
        rows = []
        for cohort in cohorts:
            report = await cohort_allocation(db, entity["_id"], cohort["_id"])
            if report:
                rows.append(allocation_row(report))
        return pages.render(
            request,
            "allocation.html",
            principal,
            title="Toerekening per startmoment",
            entity=entity,
            rows=rows,
            training_names=await training_names(db, (row["cohort_id"] for row in rows)),
        )

    def import_page(request: Request, principal: Any, entity: dict[str, Any], **context: Any) -> HTMLResponse:
        status_code = context.pop("status_code", 200)
        values = {"preview": None, "errors": [], "csv": ""} | context
        return pages.render(
            request,
            "import.html",
            principal,
            status_code=status_code,
            title="Betalingen importeren",
            entity=entity,
            **values,
        )

    @router.get("/billing/betalingen/import", response_class=HTMLResponse)
    async def import_form(request: Request, principal: PagePrincipal) -> HTMLResponse:
        entity = await finance_entity(request, principal, None)
        if entity is None:
            return not_allowed(request, principal)
        return import_page(request, principal, entity)

    @router.post("/billing/betalingen/import", response_class=HTMLResponse)
    async def import_preview(
        request: Request,
        principal: PagePrincipal,
        csv: Annotated[str, Form(max_length=2_000_000)] = "",
        bestand: Annotated[UploadFile | None, File()] = None,
    ) -> HTMLResponse:
        """A bank statement file (CAMT.053 or CSV) or pasted CSV -> a preview; nothing is booked yet."""
        entity = await finance_entity(request, principal, None)
        if entity is None or principal is None:
            return not_allowed(request, principal)
        db = request.app.state.runtime.db
        content: str | bytes = csv
        if bestand is not None and bestand.filename:
            content = await bestand.read(MAX_STATEMENT_BYTES + 1)
        field = "bestand" if bestand is not None and bestand.filename else "csv"
        try:
            if len(content) > MAX_STATEMENT_BYTES:
                raise StatementError("document", "too large", dutch="Het bestand is groter dan 5 MB.")
            if not content.strip():
                raise StatementError("document", "empty", dutch="Kies een bankafschrift of plak CSV-regels.")
            statement_format = guess_format(content)
            entries = statement_entries(statement_format, content)
        except StatementError as unreadable:
            error = FieldError(field, "het bankafschrift", unreadable_statement(unreadable))
            too_large = len(content) > MAX_STATEMENT_BYTES
            status = 413 if too_large else 422
            return import_page(request, principal, entity, status_code=status, errors=[error], csv=csv)
        rows = await propose(db, entity["_id"], entries, today())
        stored = await save_import(db, entity["_id"], rows, principal.subject, statement_format)
        return import_page(request, principal, entity, preview=import_view(stored))

    @router.post("/billing/betalingen/import/{import_id}/boeken", response_class=HTMLResponse)
    async def import_book(request: Request, principal: PagePrincipal, import_id: str) -> HTMLResponse:
        entity = await finance_entity(request, principal, None)
        if entity is None:
            return not_allowed(request, principal)
        try:
            result = await book_import(request.app.state.runtime.db, entity["_id"], import_id[:64], today())
        except Problem:
            return pages.render(request, "not_found.html", principal, status_code=404, title="Niet gevonden")
        request.app.state.runtime.relay.wake()
        return import_page(request, principal, entity, preview=result)

    router.include_router(administration_router(pages))
    router.include_router(credit_notes_router(pages, finance_entity))
    router.include_router(manual_payment_router(pages, finance_entity))
    router.include_router(ageing_router(pages, finance_entity))
    router.include_router(overrides_router(pages, finance_entity))
    router.include_router(consortium_router(pages, finance_entity))
    router.include_router(payers_router(pages, finance_entity))
    router.include_router(employer_router(pages))
    router.include_router(downloads_router())
    router.include_router(pages.demo_sign_in_router())
    return router
