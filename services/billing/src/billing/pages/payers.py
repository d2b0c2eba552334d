"""Page of the payer register: the invoices waiting for a payer's data ("te voltooien"), every
payer with its name and address, and a form per payer that issues what waited once complete."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from billing.api.deps import today
from billing.api.payers import FIELD_RULES, PayerDetails, payer_problem
from billing.pages.administration import finance_entity, finance_refused, page_not_found
from billing.pages.deps import PagesOf
from billing.store import PAYERS
from billing.usecases.issuing import save_payer
from billing.usecases.payers import FIELD_LABELS, master_of, waiting_for
from llo_shared.pages import PagePrincipal, Pages

KIND_LABELS = {
    "employer": "werkgever",
    "uwv": "UWV",
    "gemeente": "gemeente",
    "oo_fonds": "O&O-fonds",
    "participant": "deelnemer (particulier)",
    "budget_scheme": "budgetregeling",
    "consortium_partner": "consortiumpartner",
}
SCHEME_CHOICES = {"": "geen (particulier)", "0106": "KvK-nummer", "0190": "OIN (overheid)"}
FORM_FIELDS = ("name", "kind", "scheme", "endpoint", "street", "postcode", "city", "country", "email")
MAX_TEXT = 300
PAYER_ID = re.compile(r"[A-Za-z0-9._-]{1,100}")  # as the API's path takes it


router = APIRouter(include_in_schema=False)


@router.get("/billing/betalers", response_class=HTMLResponse)
async def register(request: Request, pages: PagesOf, principal: PagePrincipal) -> HTMLResponse:
    entity = await finance_entity(request, principal, None)
    if entity is None:
        return finance_refused(pages, request, principal)
    db = request.app.state.runtime.db
    payers = await db[PAYERS].find({"entity_id": entity["_id"]}).to_list(None)
    payers.sort(key=lambda p: ((p.get("name") or "").lower(), p["payer_id"]))
    return pages.render(
        request,
        "payers.html",
        principal,
        title="Betalers",
        entity=entity,
        to_complete=_to_complete(await waiting_for(db, entity["_id"]), {p["payer_id"]: p for p in payers}),
        payers=payers,
        kind_labels=KIND_LABELS,
    )


async def form_page(
    pages: Pages, request: Request, principal: Any, entity: dict[str, Any], payer_id: str, **context: Any
) -> HTMLResponse:
    status_code = context.pop("status_code", 200)
    db = request.app.state.runtime.db
    waiting = await waiting_for(db, entity["_id"], payer_id)
    values = {"error": None, "error_field": None, "issued": []} | context
    return pages.render(
        request,
        "payer.html",
        principal,
        status_code=status_code,
        title="Betaler aanvullen",
        entity=entity,
        payer_id=payer_id,
        waiting=waiting,
        lacking=sorted({FIELD_LABELS[f] for w in waiting for f in w["lacking"]}),
        kind_labels=KIND_LABELS,
        scheme_choices=SCHEME_CHOICES,
        **values,
    )


@router.get("/billing/betalers/{payer_id}", response_class=HTMLResponse)
async def payer_form(
    request: Request, pages: PagesOf, principal: PagePrincipal, payer_id: str
) -> HTMLResponse:
    entity = await finance_entity(request, principal, None)
    if entity is None:
        return finance_refused(pages, request, principal)
    if not PAYER_ID.fullmatch(payer_id):
        return page_not_found(pages, request, principal)
    master = await master_of(request.app.state.runtime.db, entity["_id"], payer_id) or {}
    form = {k: master.get(k) or "" for k in FORM_FIELDS} | {"country": master.get("country") or "NL"}
    return await form_page(pages, request, principal, entity, payer_id, form=form)


@router.post("/billing/betalers/{payer_id}", response_class=HTMLResponse)
async def save(request: Request, pages: PagesOf, principal: PagePrincipal, payer_id: str) -> HTMLResponse:
    entity = await finance_entity(request, principal, None)
    if entity is None:
        return finance_refused(pages, request, principal)
    if not PAYER_ID.fullmatch(payer_id):
        return page_not_found(pages, request, principal)
    form = {k: str(v)[:MAX_TEXT] for k, v in (await request.form()).items() if k in FORM_FIELDS}
    details, problem = details_of(form)
    if details is None:
        field, reason = problem or ("name", "")
        label = FIELD_RULES[field][0]
        return await form_page(
            pages,
            request,
            principal,
            entity,
            payer_id,
            status_code=422,
            form=form,
            error=f"{label}: {reason}",
            error_field=field,
        )
    db = request.app.state.runtime.db
    issued = await save_payer(db, entity["_id"], payer_id, details.model_dump(), today())
    if issued:
        request.app.state.runtime.relay.wake()
    return await form_page(pages, request, principal, entity, payer_id, form=form, saved=True, issued=issued)


def details_of(form: dict[str, str]) -> tuple[PayerDetails | None, tuple[str, str] | None]:
    """The form as the API's input, or the first problem as (field, Dutch reason)."""
    values: dict[str, Any] = {k: v.strip() for k, v in form.items()}
    values["postcode"] = values.get("postcode", "").upper()
    values["country"] = (values.get("country") or "NL").upper()
    for optional in ("scheme", "endpoint", "email"):
        values[optional] = values.get(optional) or None
    try:
        details = PayerDetails.model_validate(values)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "name"
        field = field if field in FIELD_RULES else "name"
        return None, (field, FIELD_RULES[field][1])
    problem = payer_problem(details)
    return (None, problem) if problem else (details, None)


def _to_complete(waiting: list[dict[str, Any]], register: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Waiting invoices per payer: who, what is missing, how many and how much."""
    rows: dict[str, dict[str, Any]] = {}
    for parked in waiting:
        master = register.get(parked["payer_id"], {})
        row = rows.setdefault(
            parked["payer_id"],
            {
                "payer_id": parked["payer_id"],
                "name": master.get("name") or "",
                "kind": parked["payer_kind"],
                "lacking": set(),
                "count": 0,
                "total_cents": 0,
                "since": parked["since"],
            },
        )
        row["lacking"] |= {FIELD_LABELS[f] for f in parked["lacking"]}
        row["count"] += 1
        row["total_cents"] += parked["total_cents"]
    return [row | {"lacking": sorted(row["lacking"])} for row in rows.values()]
