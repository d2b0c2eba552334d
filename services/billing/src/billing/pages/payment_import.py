"""Payment import page: a bank statement (CAMT.053 or CSV) or pasted CSV -> a preview that books
nothing, then "Boeken" books what was proposed, through the use cases the API calls."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from billing.api.deps import today
from billing.domain.bank_statements import StatementError
from billing.pages.administration import finance_entity, finance_refused, page_not_found
from billing.pages.deps import PagesOf
from billing.usecases.payments_import import (
    book_import,
    guess_format,
    import_view,
    propose,
    save_import,
    statement_entries,
)
from llo_shared.dutch import FieldError
from llo_shared.pages import PagePrincipal, Pages
from llo_shared.problems import Problem

MAX_STATEMENT_BYTES = 5_000_000

router = APIRouter(include_in_schema=False)


def unreadable_statement(error: StatementError) -> str:
    """ "Rij 3: De datum ... moet jjjj-mm-dd zijn": where in the file, and what is wrong, in Dutch."""
    message = error.dutch or "Dit bestand kunnen we niet lezen als bankafschrift."
    where = error.dutch_where
    return f"{where[:1].upper()}{where[1:]}: {message}" if where else message


def import_page(
    pages: Pages, request: Request, principal: Any, entity: dict[str, Any], **context: Any
) -> HTMLResponse:
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
async def import_form(request: Request, pages: PagesOf, principal: PagePrincipal) -> HTMLResponse:
    entity = await finance_entity(request, principal, None)
    if entity is None:
        return finance_refused(pages, request, principal)
    return import_page(pages, request, principal, entity)


@router.post("/billing/betalingen/import", response_class=HTMLResponse)
async def import_preview(
    request: Request,
    pages: PagesOf,
    principal: PagePrincipal,
    csv: Annotated[str, Form(max_length=2_000_000)] = "",
    bestand: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """A bank statement file (CAMT.053 or CSV) or pasted CSV -> a preview; nothing is booked yet."""
    entity = await finance_entity(request, principal, None)
    if entity is None or principal is None:
        return finance_refused(pages, request, principal)
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
        status = 413 if len(content) > MAX_STATEMENT_BYTES else 422
        return import_page(pages, request, principal, entity, status_code=status, errors=[error], csv=csv)
    rows = await propose(db, entity["_id"], entries, today())
    stored = await save_import(db, entity["_id"], rows, principal.subject, statement_format)
    return import_page(pages, request, principal, entity, preview=import_view(stored))


@router.post("/billing/betalingen/import/{import_id}/boeken", response_class=HTMLResponse)
async def import_book(
    request: Request, pages: PagesOf, principal: PagePrincipal, import_id: str
) -> HTMLResponse:
    entity = await finance_entity(request, principal, None)
    if entity is None:
        return finance_refused(pages, request, principal)
    try:
        result = await book_import(request.app.state.runtime.db, entity["_id"], import_id[:64], today())
    except Problem:
        return page_not_found(pages, request, principal)
    request.app.state.runtime.relay.wake()
    return import_page(pages, request, principal, entity, preview=result)
