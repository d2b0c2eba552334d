"""Finance reports, computed from the stored documents and read models of one legal entity:
ledgers side by side, receivables and ageing, the per-cohort allocation (the audit trail that
proves no cross-subsidy) and the price overrides."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TypedDict

from billing.domain.costing import CostModel, allocate_shared_costs, integral_cost_per_seat
from billing.domain.ledgers import Ledger
from billing.domain.money import BASIS_POINTS, round_half_up_div
from billing.domain.payments import AGEING_BUCKETS, ageing_bucket
from billing.store import COHORTS, COST_MODELS, DOCUMENTS, ENROLMENTS
from billing.usecases.issuing import credited_cents, status_of


async def entity_documents(db: Any, entity_id: str) -> list[dict[str, Any]]:
    return await db[DOCUMENTS].find({"entity_id": entity_id}, {"outbox": 0}).to_list(None)


def outstanding(document: dict[str, Any]) -> int:
    return max(0, document["total_cents"] - credited_cents(document) - document.get("paid_cents", 0))


# api/reads.LedgerRead declares the same fields for the API (boilerplate for `duplicates`).
class LedgerTotals(TypedDict):
    ledger: str
    invoices: int
    credit_notes: int
    invoiced_cents: int
    credited_cents: int
    revenue_cents: int
    received_cents: int
    receivable_cents: int
    overdue_cents: int


def ledger_summary(documents: Iterable[dict[str, Any]], today: date) -> list[LedgerTotals]:
    """Per ledger: invoiced, credited, net revenue, received, receivable, overdue."""
    rows: dict[str, LedgerTotals] = {
        ledger.value: {
            "ledger": ledger.value,
            "invoices": 0,
            "credit_notes": 0,
            "invoiced_cents": 0,
            "credited_cents": 0,
            "revenue_cents": 0,
            "received_cents": 0,
            "receivable_cents": 0,
            "overdue_cents": 0,
        }
        for ledger in Ledger
    }
    for document in documents:
        row = rows[document["ledger"]]
        if document["kind"] == "credit_note":
            row["credit_notes"] += 1
            row["credited_cents"] += document["net_cents"]
            continue
        row["invoices"] += 1
        row["invoiced_cents"] += document["net_cents"]
        row["received_cents"] += document.get("paid_cents", 0)
        row["receivable_cents"] += outstanding(document)
        if status_of(document, today) == "overdue":
            row["overdue_cents"] += outstanding(document)
    for row in rows.values():
        row["revenue_cents"] = row["invoiced_cents"] - row["credited_cents"]
    return list(rows.values())


def ageing(documents: Iterable[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """Outstanding per payer in buckets of days past due."""
    per_payer: dict[str, dict[str, Any]] = {}
    for document in documents:
        if document["kind"] != "invoice" or outstanding(document) == 0:
            continue
        payer = document["payer"]
        row = per_payer.setdefault(
            payer["payer_id"],
            {
                "payer_id": payer["payer_id"],
                "payer_name": payer["name"],
                "ledger": document["ledger"],
            }
            | {bucket: 0 for bucket in AGEING_BUCKETS}
            | {"total_cents": 0},
        )
        row[ageing_bucket(date.fromisoformat(document["due_date"]), today)] += outstanding(document)
        row["total_cents"] += outstanding(document)
    return sorted(per_payer.values(), key=lambda r: (-r["total_cents"], r["payer_id"]))


def ageing_totals(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """The ageing report's bottom line: outstanding per bucket and in all, over every payer."""
    keys = (*AGEING_BUCKETS, "total_cents")
    listed = list(rows)
    return {key: sum(row[key] for row in listed) for key in keys}


async def price_overrides(db: Any, entity_id: str) -> list[dict[str, Any]]:
    """Cost models whose private price lies below the integral cost, with the override recorded
    for it (who, when, why, the price and the integral cost)."""
    query = {"entity_id": entity_id, "override": {"$ne": None}}
    stored = await db[COST_MODELS].find(query).sort("_id", 1).to_list(None)
    return [{"scope": s["scope"], "ref": s["ref"]} | dict(s["override"]) for s in stored]


async def cost_model_for(db: Any, entity_id: str, cohort: dict[str, Any]) -> dict[str, Any] | None:
    """A cohort's own cost model wins over its offering's."""
    for scope, ref in (("cohort", cohort["_id"]), ("offering", cohort.get("offering_id"))):
        if ref:
            found = await db[COST_MODELS].find_one({"entity_id": entity_id, "scope": scope, "ref": ref})
            if found:
                return found
    return None


async def cohort_allocation(db: Any, entity_id: str, cohort_id: str) -> dict[str, Any] | None:
    cohort = await db[COHORTS].find_one({"_id": cohort_id, "provider_id": entity_id})
    if cohort is None:
        return None
    enrolments = await db[ENROLMENTS].find({"cohort_id": cohort_id, "status": "enrolled"}).to_list(None)
    private = [e for e in enrolments if e.get("funding_kind") == "private"]
    funded_seats = len(enrolments) - len(private)
    documents = await db[DOCUMENTS].find({"cohort_id": cohort_id, "entity_id": entity_id}).to_list(None)
    seat_revenue: dict[str, int] = {}
    surcharge_net = 0
    for document in documents:
        sign = -1 if document["kind"] == "credit_note" else 1
        if document.get("purpose") == "seat" and document.get("enrolment_id"):
            key = document["enrolment_id"]
            seat_revenue[key] = seat_revenue.get(key, 0) + sign * document["net_cents"]
        elif document.get("purpose") == "surcharge":
            surcharge_net += sign * document["net_cents"]
    stored_model = await cost_model_for(db, entity_id, cohort)
    report: dict[str, Any] = {
        "cohort_id": cohort_id,
        "offering_id": cohort.get("offering_id"),
        "status": cohort.get("status"),
        "funded_seats": funded_seats,
        "private_seats": len(private),
        "private_seat_revenue_cents": sum(seat_revenue.get(e["_id"], 0) for e in private),
        "surcharge_revenue_cents": surcharge_net,
        "cost_model": None,
        "integral_cost_per_seat_cents": None,
        "allocation": None,
        "seats_below_integral_cost": [],
        "private_covers_integral_cost": None,
        "override": None,
    }
    if stored_model is None:
        return report
    model = CostModel.model_validate(stored_model["model"])
    per_seat = integral_cost_per_seat(model)
    shared = round_half_up_div(model.group_costs_cents * (BASIS_POINTS + model.overhead_bp), BASIS_POINTS)
    allocation = allocate_shared_costs(shared, funded_seats, len(private))
    below = [
        {"enrolment_id": e["_id"], "paid_cents": seat_revenue.get(e["_id"], 0)}
        for e in private
        if seat_revenue.get(e["_id"], 0) < per_seat
    ]
    override = stored_model.get("override")
    report |= {
        "cost_model": {"scope": stored_model["scope"], "ref": stored_model["ref"]},
        "integral_cost_per_seat_cents": per_seat,
        "allocation": allocation.model_dump(),
        "seats_below_integral_cost": below,
        "private_covers_integral_cost": not below or override is not None,
        "override": override,
    }
    return report


def to_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """Flat CSV of report rows (nested values are written as text, every text cell inert)."""
    if not rows:
        return ""
    buffer = io.StringIO()
    fields = list(rows[0].keys())
    writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: inert_cell(str(v) if isinstance(v, dict | list) else v) for k, v in row.items()})
    return buffer.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value: Any) -> Any:
    """A text a spreadsheet would run as a formula (a payer's name "=HYPERLINK(...)", an
    override reason "+cmd|...") gets a leading apostrophe, which shows it as text (OWASP CSV
    injection). Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
