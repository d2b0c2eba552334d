"""The employer's own invoices, read-only: every invoice and credit note addressed to its
organisation, from any administration, with the training it is for and links to the PDF and the
e-invoice (UBL). What an employer may read is the API's rule (`api.deps.addressed_to`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from billing.api.deps import addressed_to, today
from billing.api.views import document_view
from billing.pages.deps import PagesOf
from billing.store import COHORTS, DOCUMENTS, ENTITIES, OFFERINGS
from llo_shared.pages import PagePrincipal

MAX_SHOWN = 500


async def documents_of(db: Any, org: str) -> list[dict[str, Any]]:
    """The organisation's invoices and credit notes, newest first, each with the training's name
    and the issuing administration's name."""
    stored = await db[DOCUMENTS].find(addressed_to(org), {"outbox": 0}).to_list(None)
    stored.sort(key=lambda d: (d["issue_date"], d["number"]), reverse=True)
    cohorts = {
        c["_id"]: c
        for c in await db[COHORTS]
        .find({"_id": {"$in": sorted({d.get("cohort_id") or "" for d in stored})}})
        .to_list(None)
    }
    offering_ids = sorted({c.get("offering_id") or "" for c in cohorts.values()})
    titles = {
        o["_id"]: o.get("title")
        for o in await db[OFFERINGS].find({"_id": {"$in": offering_ids}}).to_list(None)
    }
    entity_ids = sorted({d["entity_id"] for d in stored})
    sellers = {
        e["_id"]: e.get("name") for e in await db[ENTITIES].find({"_id": {"$in": entity_ids}}).to_list(None)
    }
    day = today()
    rows = []
    for document in stored[:MAX_SHOWN]:
        cohort = cohorts.get(document.get("cohort_id") or "", {})
        rows.append(
            document_view(document, day)
            | {
                "training": titles.get(cohort.get("offering_id")) or _first_line(document),
                "start_date": cohort.get("start_date"),
                "seller": sellers.get(document["entity_id"]) or "de opleider",
            }
        )
    return rows


def _first_line(document: dict[str, Any]) -> str:
    """Without a training (a manual invoice, a shared cost): what its first line says."""
    lines = document.get("lines") or []
    return str(lines[0].get("description", "")) if lines else ""


router = APIRouter(include_in_schema=False)


@router.get("/billing/mijn-facturen", response_class=HTMLResponse)
async def my_invoices(request: Request, pages: PagesOf, principal: PagePrincipal) -> HTMLResponse:
    if principal is None or principal.role != "employer":
        return pages.render(
            request, "employer_signin.html", principal, status_code=403, title="Mijn facturen"
        )
    documents = await documents_of(request.app.state.runtime.db, principal.org)
    return pages.render(
        request, "employer_invoices.html", principal, title="Mijn facturen", documents=documents
    )
