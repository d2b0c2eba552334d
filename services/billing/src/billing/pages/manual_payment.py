"""Book a payment on an invoice by hand: amount, date and reference. The booking and its rules
are `payments.book_payment`'s, as through the API: a payment by hand may not exceed what is still
open (a typo guard; money that arrived anyway comes in through the bank statement import), a
smaller one leaves the invoice partly paid."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from billing.api.deps import today
from billing.api.views import document_view
from billing.pages.administration import finance_entity, finance_refused, page_not_found
from billing.pages.deps import PagesOf
from billing.store import DOCUMENTS
from billing.usecases.payments import PaymentIn, book_payment
from billing.usecases.reports import outstanding
from llo_shared.dutch import FieldError, datum_invoer, dutch_errors, euro, euro_to_cents
from llo_shared.pages import PagePrincipal, Pages
from llo_shared.problems import Problem

NUMBER = re.compile(r"[A-Za-z0-9-]{1,60}")
DUTCH_DAY = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")
FIELDS = ("bedrag", "datum", "kenmerk", "payment_id")
MAX_TEXT = 200
MAX_CENTS = 10**9
# the API's field -> (the form's field, its Dutch label)
LABELS = {
    "amount_cents": ("bedrag", "het bedrag"),
    "paid_on": ("datum", "de betaaldatum"),
    "reference": ("kenmerk", "het kenmerk"),
}


router = APIRouter(include_in_schema=False)


async def invoice_of(request: Request, principal: Any, number: str) -> tuple[Any, Any]:
    """(administration, stored invoice), either None when this user may not see it."""
    entity = await finance_entity(request, principal, None)
    if entity is None or not NUMBER.fullmatch(number):
        return entity, None
    stored = await request.app.state.runtime.db[DOCUMENTS].find_one(
        {"entity_id": entity["_id"], "number": number, "kind": "invoice"}, {"outbox": 0}
    )
    return entity, stored


def form_page(
    pages: Pages,
    request: Request,
    principal: Any,
    entity: dict[str, Any],
    invoice: dict[str, Any],
    form: dict[str, str],
    errors: list[FieldError] | None = None,
    status_code: int = 200,
    booked: dict[str, Any] | None = None,
) -> HTMLResponse:
    return pages.render(
        request,
        "manual_payment.html",
        principal,
        status_code=status_code,
        title=f"Betaling boeken op factuur {invoice['number']}",
        entity=entity,
        doc=document_view(invoice, today()),
        form=form,
        errors=errors or [],
        booked=booked,
    )


def refused(pages: Pages, request: Request, principal: Any, entity: Any) -> HTMLResponse:
    if entity is None:
        return finance_refused(pages, request, principal)
    return page_not_found(pages, request, principal)


@router.get("/billing/facturen/{number}/betaling", response_class=HTMLResponse)
async def payment_form(
    request: Request, pages: PagesOf, principal: PagePrincipal, number: str
) -> HTMLResponse:
    entity, invoice = await invoice_of(request, principal, number)
    if invoice is None:
        return refused(pages, request, principal, entity)
    form = {"bedrag": "", "datum": datum_invoer(today()), "kenmerk": "", "payment_id": uuid.uuid4().hex}
    return form_page(pages, request, principal, entity, invoice, form)


@router.post("/billing/facturen/{number}/betaling", response_class=HTMLResponse)
async def book(request: Request, pages: PagesOf, principal: PagePrincipal, number: str) -> HTMLResponse:
    entity, invoice = await invoice_of(request, principal, number)
    if invoice is None:
        return refused(pages, request, principal, entity)
    form = {k: str(v)[:MAX_TEXT] for k, v in (await request.form()).items() if k in FIELDS}
    form.setdefault("payment_id", uuid.uuid4().hex)
    payment, errors = payment_of(form, outstanding(invoice))
    if payment is None:
        return form_page(pages, request, principal, entity, invoice, form, errors, 422)
    try:
        updated = await book_payment(request.app.state.runtime.db, invoice, payment, "manual", today())
    except Problem as problem:
        if problem.status != 409:
            raise
        # booked meanwhile by someone else, or more than is open now: say so at the amount
        documents = request.app.state.runtime.db[DOCUMENTS]
        fresh = await documents.find_one({"_id": invoice["_id"]}, {"outbox": 0})
        error = FieldError("bedrag", "het bedrag", too_much(outstanding(fresh)))
        return form_page(pages, request, principal, entity, fresh, form, [error], 409)
    request.app.state.runtime.relay.wake()
    return form_page(pages, request, principal, entity, updated, form, booked=payment.model_dump())


def too_much(open_cents: int) -> str:
    return (
        f"Het bedrag is hoger dan wat nog open staat ({euro(open_cents)}). Kwam er echt meer binnen, "
        "lees dan het bankafschrift in: dan wordt de te veel betaalde som zichtbaar."
    )


def payment_of(form: dict[str, str], open_cents: int) -> tuple[PaymentIn | None, list[FieldError]]:
    """The form as the API's payment, or the problems per field in Dutch (nothing booked)."""
    errors: list[FieldError] = []
    cents = euro_to_cents(form.get("bedrag", "")) if form.get("bedrag", "").strip() else None
    if cents is None:
        errors.append(FieldError("bedrag", "het bedrag", "Vul het bedrag in, bijvoorbeeld 1.250,00."))
    elif isinstance(cents, str):
        errors.append(FieldError("bedrag", "het bedrag", "Vul het bedrag in euro in, bijvoorbeeld 1.250,00."))
    elif cents < 1:
        errors.append(FieldError("bedrag", "het bedrag", "Het bedrag moet meer dan € 0,00 zijn."))
    elif cents > min(open_cents, MAX_CENTS):
        errors.append(FieldError("bedrag", "het bedrag", too_much(open_cents)))
    values = {
        "amount_cents": cents if isinstance(cents, int) and not errors else 1,
        "paid_on": iso_day(form.get("datum", "")),
        "reference": form.get("kenmerk", "").strip(),
        "payment_id": form.get("payment_id", ""),
    }
    try:
        payment = PaymentIn.model_validate(values)
    except ValidationError as invalid:
        labels = {api: label for api, (_, label) in LABELS.items()}
        for error in dutch_errors(invalid.errors(), labels):
            field = LABELS.get(error.field, ("bedrag", ""))[0]
            if error.field == "payment_id":  # a form that lost its key: a new one comes with the page
                field, message = "bedrag", "Het formulier is verlopen. Vul het opnieuw in."
                form["payment_id"] = uuid.uuid4().hex
                errors.append(FieldError(field, "het formulier", message))
                continue
            errors.append(FieldError(field, error.label, error.message))
        return None, errors
    return (None, errors) if errors else (payment, [])


def iso_day(text: str) -> str:
    """ "30-11-2026" (as shown) or "2026-11-30" -> ISO; anything else as typed, for the model to refuse."""
    found = DUTCH_DAY.fullmatch(text.strip())
    if not found:
        return text.strip()
    day, month, year = (int(part) for part in found.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return text.strip()
