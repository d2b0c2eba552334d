"""The ageing report as a page: what each payer still owes, by how long it is past due, with
the totals; the same rows as the API's report (`reports.ageing`), which also gives the CSV."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from billing.api.deps import today
from billing.pages.administration import finance_entity, finance_refused
from billing.pages.deps import PagesOf
from billing.usecases.reports import ageing, ageing_totals, entity_documents
from llo_shared.pages import PagePrincipal

BUCKET_LABELS = {
    "not_due": "Nog niet vervallen",
    "1_30": "1 tot 30 dagen te laat",
    "31_60": "31 tot 60 dagen te laat",
    "61_90": "61 tot 90 dagen te laat",
    "over_90": "Meer dan 90 dagen te laat",
}


router = APIRouter(include_in_schema=False)


@router.get("/billing/ouderdom", response_class=HTMLResponse)
async def ageing_page(request: Request, pages: PagesOf, principal: PagePrincipal) -> HTMLResponse:
    entity = await finance_entity(request, principal, None)
    if entity is None:
        return finance_refused(pages, request, principal)
    rows = ageing(await entity_documents(request.app.state.runtime.db, entity["_id"]), today())
    return pages.render(
        request,
        "ageing.html",
        principal,
        title="Openstaande facturen naar ouderdom",
        entity=entity,
        rows=rows,
        totals=ageing_totals(rows),
        buckets=BUCKET_LABELS,
        today=today(),
    )
