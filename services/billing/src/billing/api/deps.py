"""What every billing endpoint needs: the runtime, and a finance principal of the entity."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request

from billing.store import DOCUMENTS, ENTITIES
from llo_shared.auth import Principal, Role, require_org, require_roles
from llo_shared.problems import Problem

FINANCE: tuple[Role, ...] = ("finance",)
# Who may read a document: finance of the issuing administration, or the employer it is addressed to.
DOCUMENT_READERS: tuple[Role, ...] = ("finance", "employer")
FinancePrincipal = Annotated[Principal, Depends(require_roles(*FINANCE))]
DocumentReader = Annotated[Principal, Depends(require_roles(*DOCUMENT_READERS))]
EntityId = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._-]+$")]
DocumentNumber = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9-]+$")]
MAX_PAGE = 200
# what every list route takes: a page size and the `next` of the previous page (llo_shared.paging)
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Cursor = Annotated[str | None, Query(max_length=20)]


def runtime_of(request: Request) -> Any:
    return request.app.state.runtime


def today() -> date:
    return datetime.now(UTC).date()


async def entity_for(request: Request, principal: Principal, entity_id: str) -> dict[str, Any]:
    """Tenancy first (a finance user sees only its own institution's ledgers), then existence."""
    require_org(principal, entity_id)
    entity = await runtime_of(request).db[ENTITIES].find_one({"_id": entity_id})
    if entity is None:
        raise unknown_entity(entity_id)
    return entity


def unknown_entity(entity_id: str) -> Problem:
    return Problem(404, "not-found", "Unknown legal entity", f"no administration {entity_id}")


async def document_for(request: Request, principal: Principal, entity_id: str, number: str) -> dict[str, Any]:
    await entity_for(request, principal, entity_id)
    document = (
        await runtime_of(request)
        .db[DOCUMENTS]
        .find_one({"entity_id": entity_id, "number": number}, {"outbox": 0})
    )
    if document is None:
        raise Problem(404, "not-found", "Unknown document", f"no invoice or credit note {number}")
    return document


def addressed_to(org: str) -> dict[str, Any]:
    """The documents whose payer is this organisation: by its id as the events name it, or by its
    KvK number (scheme 0106) when finance registered the payer under another id."""
    clauses: list[dict[str, Any]] = [{"payer.payer_id": org}]
    scheme, _, number = org.partition("-")
    if scheme.upper() == "KVK" and number:
        clauses.append({"payer.scheme": "0106", "payer.endpoint": number})
    return {"$or": clauses}


async def readable_document(
    request: Request, principal: Principal, entity_id: str, number: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The administration and the document, for finance of that administration (admin: any) or for
    the employer the document is addressed to. Another organisation's document does not exist for
    an employer (404), so numbers cannot be probed."""
    if principal.role != "employer":
        return await entity_for(request, principal, entity_id), await document_for(
            request, principal, entity_id, number
        )
    db = runtime_of(request).db
    query = {"$and": [{"entity_id": entity_id, "number": number}, addressed_to(principal.org)]}
    document = await db[DOCUMENTS].find_one(query, {"outbox": 0})
    entity = await db[ENTITIES].find_one({"_id": entity_id}) if document else None
    if document is None or entity is None:
        raise Problem(404, "not-found", "Unknown document", f"no invoice or credit note {number}")
    return entity, document


def file_answer(media_type: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI for a route that answers a file (PDF, UBL), so clients know its content type."""
    return {200: {"content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}}


# A report answers JSON by default and CSV with ?format=csv.
JSON_OR_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}}}
}
