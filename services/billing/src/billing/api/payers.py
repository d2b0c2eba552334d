"""The payer register (payer master data) and the invoices waiting for it ("te voltooien")."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from billing.api.deps import (
    Cursor,
    EntityId,
    FinancePrincipal,
    Limit,
    entity_for,
    runtime_of,
    today,
)
from billing.api.reads import PayerRead, PayerSavedRead, WaitingInvoiceRead
from billing.domain.text import PLAIN_TEXT
from billing.store import PAYERS, WAITING
from billing.usecases.issuing import save_payer
from billing.usecases.payers import WAITING_ORDER, waiting_query
from billing.usecases.reports import entity_documents
from llo_shared.paging import page_of, store_page
from llo_shared.problems import Problem
from llo_shared.reads import Page

router = APIRouter(tags=["payers"])
PayerRef = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")]
PayerKind = Literal[
    "employer", "uwv", "gemeente", "oo_fonds", "participant", "budget_scheme", "consortium_partner"
]
DUTCH_POSTCODE = r"^[1-9][0-9]{3} ?[A-Z]{2}$"
# Dutch wording of what a field must be, for the register's page and the API's problem detail.
FIELD_RULES = {
    "name": ("Naam", "vul de naam in (hoogstens 200 tekens, zonder regeleinden of tabs)"),
    "kind": ("Soort betaler", "kies werkgever, UWV, gemeente, O&O-fonds of deelnemer"),
    "scheme": ("Soort nummer", "kies KvK-nummer of OIN"),
    "endpoint": ("KvK- of OIN-nummer", "een KvK-nummer heeft 8 cijfers, een OIN 20 cijfers"),
    "street": ("Straat en huisnummer", "hoogstens 200 tekens, zonder regeleinden of tabs"),
    "postcode": ("Postcode", "een Nederlandse postcode zoals 1315 RA"),
    "city": ("Plaats", "hoogstens 100 tekens, zonder regeleinden of tabs"),
    "country": ("Land", "een landcode van twee letters, zoals NL"),
    "email": ("E-mailadres", "een e-mailadres zoals naam@voorbeeld.nl"),
    "buyer_reference": ("Referentie", "hoogstens 200 tekens, zonder regeleinden of tabs"),
}


class PayerDetails(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=PLAIN_TEXT)
    kind: PayerKind
    scheme: Literal["0106", "0190"] | None = None
    endpoint: str | None = Field(default=None, pattern=r"^\d{8}$|^\d{20}$")
    street: str = Field(default="", max_length=200, pattern=PLAIN_TEXT)
    city: str = Field(default="", max_length=100, pattern=PLAIN_TEXT)
    postcode: str = Field(default="", max_length=10, pattern=PLAIN_TEXT)
    country: str = Field(default="NL", pattern=r"^[A-Z]{2}$")
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    buyer_reference: str | None = Field(default=None, max_length=200, pattern=PLAIN_TEXT)


def payer_problem(details: PayerDetails) -> tuple[str, str] | None:
    """What pydantic cannot see field by field: (field, Dutch reason), or None."""
    if details.scheme and not details.endpoint:
        return "endpoint", "vul het KvK-nummer of OIN in, of kies geen soort nummer"
    if details.endpoint and not details.scheme:
        return "scheme", "kies of het nummer een KvK-nummer of een OIN is"
    if details.scheme == "0106" and details.endpoint and len(details.endpoint) != 8:
        return "endpoint", "een KvK-nummer heeft 8 cijfers"
    if details.scheme == "0190" and details.endpoint and len(details.endpoint) != 20:
        return "endpoint", "een OIN heeft 20 cijfers"
    if details.country == "NL" and details.postcode and not _matches(DUTCH_POSTCODE, details.postcode):
        return "postcode", FIELD_RULES["postcode"][1]
    return None


def _matches(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern, text) is not None


@router.get("/entities/{entity_id}/payers", response_model=Page[PayerRead], response_model_exclude_unset=True)
async def list_payers(
    request: Request,
    principal: FinancePrincipal,
    entity_id: EntityId,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Everyone this administration invoiced, with the master data finance keeps for them."""
    await entity_for(request, principal, entity_id)
    db = runtime_of(request).db
    documents = await entity_documents(db, entity_id)
    known = {d["payer"]["payer_id"]: d["payer"] for d in documents}
    hidden = ("_id", "entity_id", "source", "updated_at")
    for stored in await db[PAYERS].find({"entity_id": entity_id}).to_list(None):
        known[stored["payer_id"]] = {k: v for k, v in stored.items() if k not in hidden}
    items = sorted(known.values(), key=lambda p: p["payer_id"])
    return page_of(items, cursor, limit)  # merged from documents and the register


@router.put(
    "/entities/{entity_id}/payers/{payer_id}",
    response_model=PayerSavedRead,
    response_model_exclude_unset=True,
)
async def put_payer(
    request: Request,
    principal: FinancePrincipal,
    entity_id: EntityId,
    payer_id: PayerRef,
    details: PayerDetails,
) -> dict[str, Any]:
    """Keep a payer's name, address and electronic address; invoices that waited for them are
    issued now (their numbers are in `issued`)."""
    await entity_for(request, principal, entity_id)
    problem = payer_problem(details)
    if problem:
        raise Problem(422, "validation", "Invalid input", problem[1], field=problem[0])
    issued = await save_payer(runtime_of(request).db, entity_id, payer_id, details.model_dump(), today())
    if issued:
        runtime_of(request).relay.wake()
    return details.model_dump() | {"payer_id": payer_id, "issued": [d["number"] for d in issued]}


@router.get(
    "/entities/{entity_id}/waiting-invoices",
    response_model=Page[WaitingInvoiceRead],
    response_model_exclude_unset=True,
)
async def list_waiting_invoices(
    request: Request,
    principal: FinancePrincipal,
    entity_id: EntityId,
    payer_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Invoices not issued (not numbered) because their payer lacks data: what it lacks."""
    await entity_for(request, principal, entity_id)
    waiting = runtime_of(request).db[WAITING]
    return await store_page(
        waiting, waiting_query(entity_id, payer_id), WAITING_ORDER, cursor, limit, waiting_view
    )


def waiting_view(parked: dict[str, Any]) -> dict[str, Any]:
    document = parked["document"]
    return {
        "payer_id": parked["payer_id"],
        "payer_kind": parked["payer_kind"],
        "lacking": parked["lacking"],
        "since": parked["since"],
        "cohort_id": parked.get("cohort_id"),
        "purpose": parked["extra"].get("purpose"),
        "net_cents": parked["net_cents"],
        "total_cents": parked["total_cents"],
        "lines": [line["description"] for line in document["lines"]],
    }
