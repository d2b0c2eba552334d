"""Finance pages over one administration's documents: the ledgers side by side, the invoices with
filters and status, an invoice with its lines traced to their cause, the cohort allocation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from billing.api.deps import today
from billing.api.documents import documents_listed
from billing.api.reports import allocation_row
from billing.api.views import document_view
from billing.domain.ledgers import Ledger
from billing.pages.administration import finance_entity, finance_refused, page_not_found
from billing.pages.deps import PagesOf
from billing.pages.names import training_name, training_names
from billing.pages.words import STATUS_LABELS
from billing.store import COHORTS, DOCUMENTS
from billing.usecases.reports import cohort_allocation, entity_documents, ledger_summary
from llo_shared.pages import PagePrincipal

MAX_LISTED = 500  # the invoices a page lists at once; it says how many there are in all

router = APIRouter(include_in_schema=False)


@router.get("/billing/", response_model=None)
async def home(
    request: Request, pages: PagesOf, principal: PagePrincipal, entiteit: str | None = None
) -> HTMLResponse | RedirectResponse:
    entity = await finance_entity(request, principal, entiteit)
    if entity is None and principal is not None and principal.role == "admin":
        return RedirectResponse("/billing/administratie", status_code=303)  # nobody chose one yet
    if entity is None:
        return pages.render(request, "home.html", principal, title="Facturatie", entity=None, ledgers=[])
    documents = await entity_documents(request.app.state.runtime.db, entity["_id"])
    ledgers = ledger_summary(documents, today())
    return pages.render(request, "home.html", principal, title="Facturatie", entity=entity, ledgers=ledgers)


@router.get("/billing/facturen", response_class=HTMLResponse)
async def invoices(
    request: Request,
    pages: PagesOf,
    principal: PagePrincipal,
    grootboek: str = "",
    status: str = "",
    soort: str = "invoice",
    betaler: str = "",
    entiteit: str | None = None,
) -> HTMLResponse:
    entity = await finance_entity(request, principal, entiteit)
    if entity is None:
        return finance_refused(pages, request, principal)
    ledger = Ledger(grootboek) if grootboek in Ledger.__members__ else None
    kind = soort if soort in ("invoice", "credit_note") else "invoice"
    chosen_status = status if status in STATUS_LABELS else None
    payer = betaler[:100] or None
    listed = await documents_listed(
        request, entity["_id"], kind, None, MAX_LISTED, ledger=ledger, status=chosen_status, payer_id=payer
    )
    items = listed["items"]
    names = await training_names(request.app.state.runtime.db, (d["cohort_id"] for d in items))
    return pages.render(
        request,
        "invoices.html",
        principal,
        title="Facturen",
        entity=entity,
        items=items,
        total=listed["total"],
        grootboek=grootboek,
        status=status,
        soort=kind,
        training_names=names,
        betaler=payer or "",
        payer_name=items[0]["payer"]["name"] if payer and items else "",
        training_name=training_name,
    )


@router.get("/billing/facturen/{number}", response_class=HTMLResponse)
async def invoice(request: Request, pages: PagesOf, principal: PagePrincipal, number: str) -> HTMLResponse:
    entity = await finance_entity(request, principal, request.query_params.get("entiteit"))
    if entity is None:
        return finance_refused(pages, request, principal)
    stored = await request.app.state.runtime.db[DOCUMENTS].find_one(
        {"entity_id": entity["_id"], "number": number}, {"outbox": 0}
    )
    if stored is None:
        return page_not_found(pages, request, principal)
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
    request: Request, pages: PagesOf, principal: PagePrincipal, entiteit: str | None = None
) -> HTMLResponse:
    entity = await finance_entity(request, principal, entiteit)
    if entity is None:
        return finance_refused(pages, request, principal)
    db = request.app.state.runtime.db
    cohorts = await db[COHORTS].find({"provider_id": entity["_id"]}, {"_id": 1}).sort("_id", 1).to_list(None)
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
