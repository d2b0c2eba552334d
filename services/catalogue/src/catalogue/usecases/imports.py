"""Bulk import of a provider's offerings (with cohorts) from CSV or JSON, all or nothing.

Every row is validated first with the same models as the API; the report names the row and
the field. Only a file without errors is written, and even then the write is staged: the
documents stay invisible, with their events held back, until every row is in; a failure
half-way removes what was staged. So nothing is ever half-imported or half-published.

CSV: one offering per row; list cells separated by "|"; price columns tuition_cents,
exam_cents, materials_cents, vat_code. JSON: {"offerings": [{...offering..., "cohorts": [...]}]}
or a bare list of offerings (the shape of the API's POST bodies).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from catalogue.domain.errors import Refusal
from catalogue.domain.model import CohortCreate, CohortFields, OfferingCreate
from catalogue.store import CatalogueStore
from catalogue.usecases.cohorts import schedule_cohort
from catalogue.usecases.offerings import publish_offering

LIST_COLUMNS = (
    "keywords",
    "target_groups",
    "learning_modes",
    "location_kinds",
    "lesson_times",
    "stacks_into",
    "registration",
    "skills",
    "visible_to",
)
BOOL_COLUMNS = (
    "own_pace",
    "free_module_order",
    "exemptions_possible",
    "intake_required",
    "requires_workplace",
)
PRICE_COLUMNS = ("tuition_cents", "exam_cents", "materials_cents", "vat_code")
MAX_ROWS = 20_000


@dataclass
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    offerings: int = 0
    cohorts: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "offerings": self.offerings,
            "cohorts": self.cohorts,
            "committed": self.committed,
            "errors": [e.__dict__ for e in self.errors],
        }


@dataclass
class ValidRow:
    row: int
    offering: OfferingCreate
    cohorts: list[CohortFields]


def read_rows(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        rows = data.get("offerings", []) if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError('JSON must be a list of offerings or {"offerings": [...]}')
        return rows
    if path.suffix.lower() == ".csv":
        return [csv_row(r) for r in csv.DictReader(io.StringIO(text))]
    raise ValueError("use a .csv or .json file")


def csv_row(raw: dict[str, str | None]) -> dict[str, Any]:
    row: dict[str, Any] = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
    for column in LIST_COLUMNS:
        if column in row:
            row[column] = [part.strip() for part in row[column].split("|") if part.strip()]
    for column in BOOL_COLUMNS:
        if column in row:
            row[column] = row[column].lower() in ("1", "true", "ja", "yes", "waar")
    price = {c: row.pop(c) for c in PRICE_COLUMNS if c in row and row[c] != ""}
    if price:
        row["price"] = price
    return {k: v for k, v in row.items() if v != "" and k not in ("cohorts",)}


def validate_rows(rows: list[dict[str, Any]]) -> tuple[list[ValidRow], list[RowError]]:
    valid: list[ValidRow] = []
    errors: list[RowError] = []
    seen_ids: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        cohorts_raw = raw.get("cohorts", []) if isinstance(raw.get("cohorts", []), list) else None
        offering_raw = {k: v for k, v in raw.items() if k != "cohorts"}
        row_errors: list[RowError] = []
        offering = None
        try:
            offering = OfferingCreate.model_validate(offering_raw)
        except ValidationError as error:
            row_errors += [RowError(number, _field(e), e["msg"]) for e in error.errors()]
        if offering and offering.offering_id:
            if offering.offering_id in seen_ids:
                row_errors.append(
                    RowError(number, "offering_id", f"repeats row {seen_ids[offering.offering_id]}")
                )
            seen_ids.setdefault(offering.offering_id, number)
        cohorts = []
        if cohorts_raw is None:
            row_errors.append(RowError(number, "cohorts", "must be a list"))
        for k, cohort_raw in enumerate(cohorts_raw or []):
            try:
                cohorts.append(CohortFields.model_validate(cohort_raw))
            except ValidationError as error:
                row_errors += [RowError(number, f"cohorts.{k}.{_field(e)}", e["msg"]) for e in error.errors()]
        errors += row_errors
        if offering and not row_errors:
            valid.append(ValidRow(number, offering, cohorts))
    return valid, errors


def _field(error: ErrorDetails) -> str:
    location = ".".join(str(p) for p in error.get("loc", ()))
    if location:
        return location
    head = str(error.get("msg", "")).removeprefix("Value error, ").split(":", 1)[0]
    return head if " " not in head else "row"


async def import_file(
    store: CatalogueStore,
    path: Path,
    provider_id: str,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> ImportReport:
    report = ImportReport()
    try:
        rows = read_rows(path)
    except (ValueError, UnicodeDecodeError) as error:
        report.errors.append(RowError(0, "file", str(error)))
        return report
    report.rows = len(rows)
    if len(rows) > MAX_ROWS:
        report.errors.append(RowError(0, "file", f"at most {MAX_ROWS} rows per import"))
        return report
    provider = await store.provider(provider_id)
    if provider is None:
        report.errors.append(RowError(0, "provider_id", f"{provider_id} is not a registered provider"))
        return report
    valid, report.errors = validate_rows(rows)
    report.errors += await _existing_ids(store, valid)
    if report.errors:
        return report
    await _write(store, provider, valid, report, progress)
    return report


async def _existing_ids(store: CatalogueStore, valid: list[ValidRow]) -> list[RowError]:
    ids = {v.offering.offering_id: v.row for v in valid if v.offering.offering_id}
    if not ids:
        return []
    return [
        RowError(ids[found], "offering_id", "exists already")
        for found in await store.existing_offering_ids(list(ids))
    ]


async def _write(
    store: CatalogueStore,
    provider: dict[str, Any],
    valid: list[ValidRow],
    report: ImportReport,
    progress: Callable[[int, int], None],
) -> None:
    import_id = f"imp-{uuid.uuid4().hex[:12]}"
    try:
        for done, row in enumerate(valid, start=1):
            offering_id = row.offering.offering_id or f"off-{import_id[4:]}-{row.row:05d}"
            offering = await publish_offering(store, provider, row.offering, offering_id, import_id=import_id)
            offering["import_id"] = import_id
            for k, cohort in enumerate(row.cohorts):
                data = CohortCreate(offering_id=offering_id, **cohort.model_dump())
                await schedule_cohort(
                    store,
                    offering,
                    data,
                    f"coh-{offering_id.removeprefix('off-')[:50]}-{k}",
                    import_id=import_id,
                )
                report.cohorts += 1
            report.offerings += 1
            progress(done, len(valid))
        await store.commit_import(import_id)
        report.committed = True
    except Exception as error:
        await store.abort_import(import_id)
        report.offerings = report.cohorts = 0
        report.errors.append(RowError(row.row, *_field_and_message(error)))


def _field_and_message(error: Exception) -> tuple[str, str]:
    """A refusal names its field; anything else is about the row."""
    named = error.field if isinstance(error, Refusal) else None
    detail = str(error)
    return (named or "row", detail.split(": ", 1)[-1] if named and detail.startswith(named) else detail)
