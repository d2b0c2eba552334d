"""Consortium costs as billable facts: a cost one partner paid (a licence fee, shared recruitment
costs) split over the consortium's partners by agreed shares, and invoiced from the paying
administration's private ledger to every other partner.

Which providers are partners billing learns from the catalogue's consortium events (a read model
kept by `keep_consortium`, which handlers.py calls); a cost is shared only between members of one consortium.

The shared cost is one document (the cause); each partner's invoice is issued with a natural id
derived from it and carries the shared cost's id on its line, so an invoice is traced to its
cause and recording the same cost again (same idempotency key) issues nothing twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from billing.domain.consortium import PartnerShare, share_problems, split_shared_cost
from billing.domain.invoices import (
    STANDARD_RATE_BP,
    Cause,
    CauseKind,
    Document,
    DocumentKind,
    Line,
    Party,
    VatCategory,
)
from billing.domain.ledgers import Ledger
from billing.domain.money import format_eur
from billing.store import ENTITIES, PAYERS
from billing.usecases.issuing import issue
from llo_shared.problems import Problem

if TYPE_CHECKING:  # the API's Create schema; at run time the use case reads only its fields
    from billing.api.consortium import SharedCostIn

SHARED_COSTS = "shared_costs"
CONSORTIA = "consortia"
# Newest first, as the API pages them and the page lists them (`_id` breaks ties).
SHARED_COST_ORDER = [("recorded_at", -1), ("_id", -1)]
KIND_LABELS = {"licence_fee": "Licentievergoeding", "shared_recruitment": "Gedeelde wervingskosten"}


class Refused(Problem):
    """A 422 naming the field; `dutch` is the sentence the page shows (the API answers `detail`)."""

    def __init__(self, title: str, detail: str, field: str, dutch: str) -> None:
        super().__init__(422, "validation", title, detail, field=field)
        self.dutch = dutch


async def record_shared_cost(
    db: Any, entity: dict[str, Any], cost: SharedCostIn, by: str, today: date
) -> dict[str, Any]:
    """Check everything first (a refused cost stores nothing), then store the cost and issue the
    partners' invoices. Sent again with the same key it completes what an interruption left."""
    cost_id = f"{entity['_id']}|{cost.idempotency_key}"
    stored = await db[SHARED_COSTS].find_one({"_id": cost_id})
    if stored is None:
        partners = await _partners(db, entity["_id"], cost)
        consortium = await db[CONSORTIA].find_one({"_id": cost.consortium_id})
        stored = _shared_cost_document(cost_id, entity, cost, partners, by, today, consortium["name"])
        await db[SHARED_COSTS].update_one({"_id": cost_id}, {"$setOnInsert": stored}, upsert=True)
        stored = await db[SHARED_COSTS].find_one({"_id": cost_id})
    numbers = {}
    for share in stored["shares"]:
        if share["partner_id"] != entity["_id"] and share["part_cents"] > 0:
            invoice = await issue(db, _partner_invoice(stored, share, entity), **_trace(stored))
            numbers[share["partner_id"]] = invoice["number"] if invoice else None  # None: waits
    shares = [
        s
        | {"invoice_number": numbers.get(s["partner_id"]), "waiting": numbers.get(s["partner_id"], 0) is None}
        for s in stored["shares"]
    ]
    await db[SHARED_COSTS].update_one({"_id": cost_id}, {"$set": {"shares": shares, "state": "invoiced"}})
    return stored | {"shares": shares, "state": "invoiced"}


async def _partners(db: Any, entity_id: str, cost: SharedCostIn) -> dict[str, dict[str, Any]]:
    """The partners' administrations as billing knows them (from ProviderRegistered)."""
    problems = share_problems([PartnerShare(s.partner_id, s.share_bp) for s in cost.shares], entity_id)
    if problems:
        raise Refused(
            "Invalid shares",
            "; ".join(p.text for p in problems),
            "shares",
            " ".join(p.dutch for p in problems),
        )
    ids = [s.partner_id for s in cost.shares]
    await _check_membership(db, entity_id, cost.consortium_id, ids)
    known = {e["_id"]: e for e in await db[ENTITIES].find({"_id": {"$in": ids}}).to_list(None)}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise Refused(
            "Unknown partner",
            f"no provider {', '.join(unknown)} is registered",
            "shares",
            "Een van de partners is bij de facturatie nog niet bekend.",
        )
    for partner_id, partner in known.items():  # the address finance keeps for a partner, if any
        master = await db[PAYERS].find_one({"_id": f"{entity_id}|{partner_id}"}) or {}
        partner["address"] = {k: master[k] for k in ("street", "city", "postcode") if master.get(k)}
    return known


async def _check_membership(db: Any, entity_id: str, consortium_id: str, partner_ids: list[str]) -> None:
    consortium = await db[CONSORTIA].find_one({"_id": consortium_id})
    if consortium is None:
        raise Refused(
            "Unknown consortium",
            f"no consortium {consortium_id} is known (billing learns consortia from the catalogue)",
            "consortium_id",
            "Dit consortium is bij de facturatie niet bekend.",
        )
    if entity_id not in consortium["members"]:
        raise Refused(
            "Not a member",
            f"{entity_id} is not a member of {consortium_id}",
            "consortium_id",
            "Uw instelling is geen partner in dit consortium.",
        )
    outsiders = [p for p in partner_ids if p not in consortium["members"]]
    if outsiders:
        raise Refused(
            "Not a member",
            f"{', '.join(outsiders)} not a member of {consortium_id}",
            "shares",
            "Niet elke gekozen partner hoort bij dit consortium.",
        )


def _shared_cost_document(
    cost_id: str,
    entity: dict[str, Any],
    cost: SharedCostIn,
    partners: dict[str, dict[str, Any]],
    by: str,
    today: date,
    consortium_name: str,
) -> dict[str, Any]:
    parts = split_shared_cost(cost.total_cents, [PartnerShare(s.partner_id, s.share_bp) for s in cost.shares])
    body = cost.model_dump(mode="json", exclude={"shares"})
    return body | {
        "consortium_name": consortium_name,
        "_id": cost_id,
        "entity_id": entity["_id"],
        "incurred_on": (cost.incurred_on or today).isoformat(),
        "shares": [
            {
                "partner_id": s.partner_id,
                "name": partners[s.partner_id].get("name") or s.partner_id,
                "share_bp": s.share_bp,
                "part_cents": parts[s.partner_id],
                "invoiced": s.partner_id != entity["_id"],
                "invoice_number": None,
            }
            for s in sorted(cost.shares, key=lambda s: s.partner_id)
        ],
        "partner_parties": {p: _party(partners[p]) for p in parts if p != entity["_id"]},
        "state": "recorded",
        "recorded_by": by,
        "recorded_at": datetime.now(UTC).isoformat(),
        "issue_date": today.isoformat(),
        "due_date": (today + timedelta(days=entity.get("payment_terms_days", 30))).isoformat(),
    }


def _party(partner: dict[str, Any]) -> dict[str, Any]:
    kvk = partner.get("kvk")
    return Party(
        payer_id=partner["_id"],
        kind="consortium_partner",
        name=partner.get("name") or partner["_id"],
        scheme="0106" if kvk else None,
        endpoint=kvk or None,
        street=partner["address"].get("street") or partner.get("street") or "",
        city=partner["address"].get("city") or partner.get("city") or "",
        postcode=partner["address"].get("postcode") or partner.get("postcode") or "",
    ).model_dump()


def _partner_invoice(stored: dict[str, Any], share: dict[str, Any], entity: dict[str, Any]) -> Document:
    exempt = stored["vat"] == "exempt"
    percent = f"{share['share_bp'] / 100:.2f}".replace(".", ",")
    line = Line(
        description=(
            f"{KIND_LABELS[stored['kind']]}: {stored['description']} "
            f"(aandeel {percent}% van {format_eur(stored['total_cents'])})"
        )[:300],
        unit_price_cents=share["part_cents"],
        ledger=Ledger.privaat,
        vat_category=VatCategory.exempt if exempt else VatCategory.standard,
        vat_rate_bp=0 if exempt else STANDARD_RATE_BP,
        cost_centre=stored["kind"],
        cohort_id=stored.get("cohort_id"),
        cause=Cause(
            kind=CauseKind.consortium_cost,
            reference=f"consortium {stored['consortium_id']}, gedeelde kosten {stored['idempotency_key']}",
        ),
    )
    return Document(
        document_id=f"consortium|{stored['_id']}|{share['partner_id']}",
        kind=DocumentKind.invoice,
        entity_id=entity["_id"],
        ledger=Ledger.privaat,
        payer=Party.model_validate(stored["partner_parties"][share["partner_id"]]),
        buyer_reference=f"{stored['consortium_id']} {stored['kind']}"[:200],
        issue_date=date.fromisoformat(stored["issue_date"]),
        due_date=date.fromisoformat(stored["due_date"]),
        lines=[line],
        # no document-level cohort_id: a cancelled cohort credits what was billed for its seats,
        # but a shared cost was made all the same, so the line alone names the cohort
    )


def _trace(stored: dict[str, Any]) -> dict[str, Any]:
    return {
        "purpose": "consortium_cost",
        "shared_cost_id": stored["_id"],
        "consortium_id": stored["consortium_id"],
    }


async def keep_consortium(db: Any, consortium_id: str, fields: dict[str, Any], event_id: str) -> None:
    """The consortia read model keeps each consortium's latest member list: every consortium event
    carries the whole list, and events of one consortium arrive in order (key = its id)."""
    await db[CONSORTIA].update_one(
        {"_id": consortium_id}, {"$set": fields | {"event_id": event_id}}, upsert=True
    )
