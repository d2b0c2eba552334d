"""Page for costs shared between consortium partners: the list and a form to record one."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from billing.api.consortium import SharedCostIn
from billing.api.deps import today
from billing.api.views import shared_cost_view
from billing.domain.payments import parse_amount_cents
from billing.pages.administration import finance_entity, finance_refused
from billing.pages.deps import PagesOf
from billing.store import ENTITIES
from billing.usecases.consortium import (
    CONSORTIA,
    KIND_LABELS,
    SHARED_COST_ORDER,
    SHARED_COSTS,
    Refused,
    record_shared_cost,
)
from llo_shared.dutch import dutch_errors, euro
from llo_shared.pages import PagePrincipal, Pages

PARTNER_ROWS = 4
MAX_TOTAL_CENTS = next(m.le for m in SharedCostIn.model_fields["total_cents"].metadata if hasattr(m, "le"))


router = APIRouter(include_in_schema=False)


async def render(
    pages: Pages,
    request: Request,
    principal: Any,
    entity: dict[str, Any],
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    db = request.app.state.runtime.db
    costs = await db[SHARED_COSTS].find({"entity_id": entity["_id"]}).sort(SHARED_COST_ORDER).to_list(None)
    consortia = await db[CONSORTIA].find({"members": entity["_id"]}).sort("_id", 1).to_list(None)
    members = sorted({m for c in consortia for m in c["members"]})
    partners = await db[ENTITIES].find({"_id": {"$in": members}}, {"_id": 1, "name": 1}).to_list(None)
    partners.sort(key=lambda p: p["_id"])
    values = {"error": None, "recorded": None, "form": {}} | context
    return pages.render(
        request,
        "shared_costs.html",
        principal,
        status_code=status_code,
        title="Gedeelde kosten consortium",
        entity=entity,
        costs=[shared_cost_view(c) for c in costs],
        consortia=consortia,
        partners=partners,
        kind_labels=KIND_LABELS,
        partner_rows=range(1, PARTNER_ROWS + 1),
        idempotency_key=uuid.uuid4().hex,
        **values,
    )


@router.get("/billing/gedeelde-kosten", response_class=HTMLResponse)
async def shared_costs(request: Request, pages: PagesOf, principal: PagePrincipal) -> HTMLResponse:
    entity = await finance_entity(request, principal, None)
    if entity is None:
        return finance_refused(pages, request, principal)
    return await render(pages, request, principal, entity)


@router.post("/billing/gedeelde-kosten", response_class=HTMLResponse)
async def record(request: Request, pages: PagesOf, principal: PagePrincipal) -> HTMLResponse:
    entity = await finance_entity(request, principal, None)
    if entity is None or principal is None:
        return finance_refused(pages, request, principal)
    form = {k: str(v)[:300] for k, v in (await request.form()).items()}
    try:
        cost = shared_cost_of(form)
        stored = await record_shared_cost(
            request.app.state.runtime.db, entity, cost, principal.subject, today()
        )
    except Refused as refused:
        return await render(pages, request, principal, entity, 422, error=refused.dutch, form=form)
    request.app.state.runtime.relay.wake()
    return await render(pages, request, principal, entity, recorded=shared_cost_view(stored))


LABELS = {
    "consortium_id": "het consortium",
    "kind": "de soort kosten",
    "description": "de omschrijving",
    "total_cents": "het totaalbedrag",
    "vat": "de btw",
    "shares": "de partners en hun aandeel",
    "partner_id": "de partner",
    "share_bp": "het aandeel",
    "idempotency_key": "het formulier",
}


def shared_cost_of(form: dict[str, str]) -> SharedCostIn:
    """The form's Dutch notation (euros with a comma, shares in percent) as the API's input; a
    problem is a Refused with its Dutch sentence."""
    shares = []
    for row in range(1, PARTNER_ROWS + 1):
        partner, percent = form.get(f"partner_{row}", ""), form.get(f"aandeel_{row}", "").strip()
        if partner and percent:
            dutch = f"Vul bij aandeel {row} een percentage in, bijvoorbeeld 33,33."
            shares.append({"partner_id": partner, "share_bp": _number(percent, f"aandeel_{row}", dutch)})
    total = _number(form.get("total", ""), "total", "Vul het totaalbedrag in euro in, bijvoorbeeld 1.250,00.")
    if not 1 <= total <= MAX_TOTAL_CENTS:
        sentence = f"Vul een totaalbedrag in tussen {euro(1)} en {euro(MAX_TOTAL_CENTS)}."
        raise Refused("Invalid input", f"total: {total} out of range", "total", sentence)
    try:
        return SharedCostIn(
            consortium_id=form.get("consortium_id", ""),
            kind=form.get("kind", ""),  # type: ignore[arg-type]
            description=form.get("description", ""),
            total_cents=total,
            vat=form.get("vat", "standard"),  # type: ignore[arg-type]
            shares=shares,  # type: ignore[arg-type]
            idempotency_key=form.get("idempotency_key", ""),
        )
    except ValidationError as invalid:
        first = invalid.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        [said] = dutch_errors([first], LABELS)[:1]
        raise Refused("Invalid input", f"{field}: {first['msg']}", field, said.message) from None


def _number(text: str, field: str, dutch: str) -> int:
    """'1.234,56' -> 123456: euros to cents, and percent to basis points alike."""
    try:
        return parse_amount_cents(text)
    except ValueError:
        raise Refused("Invalid input", f"{field}: {text!r} is geen bedrag", field, dutch) from None
