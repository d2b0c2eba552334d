"""Bulk import: per-row field-level report, all or nothing, CSV and JSON, progress on the command line."""

import json

from typer.testing import CliRunner

from catalogue.cli import app as cli_app
from catalogue.domain.model import ProviderCreate
from catalogue.store import COHORTS, OFFERINGS, CatalogueStore
from catalogue.usecases import register_provider
from catalogue.usecases.imports import import_file
from llo_shared.mongo import MemoryDatabase

from .conftest import cohort_body, offering_body, provider_body

HEADER = (
    "offering_id,title,credential_type,code,leerweg,level,domain,study_load_hours,duration_weeks,target_groups,"
    "learning_modes,location_kinds,lesson_times,start_policy,registration,requires_workplace,tuition_cents,"
    "exam_cents,vat_code,funding,skills"
)
GOOD = (
    "off-imp-helpende,Helpende Zorg en Welzijn,diploma,25498,bbl,2,zorg_welzijn_sport,1600,52,"
    "werkenden|werkzoekenden,"
    "klassikaal|werkplekleren,school,dag,fixed,individual,ja,390000,15000,E,bekostigd,zorg.adl"
)
BAD_LEVEL = GOOD.replace("off-imp-helpende", "off-imp-twee").replace(",bbl,2,", ",bbl,7,")
BAD_SKILL = GOOD.replace("off-imp-helpende", "off-imp-drie").replace("zorg.adl", "zorg.toveren")


async def store_with_provider():
    store = CatalogueStore(MemoryDatabase("imp"))
    await register_provider(store, ProviderCreate(**provider_body()))
    return store


async def test_csv_with_errors_reports_row_and_field_and_imports_nothing(tmp_path):
    store = await store_with_provider()
    path = tmp_path / "aanbod.csv"
    path.write_text("\n".join([HEADER, GOOD, BAD_LEVEL, BAD_SKILL]), encoding="utf-8")
    report = await import_file(store, path, "BRIN-25LH")
    assert not report.committed
    assert [(e.row, e.field) for e in report.errors] == [(2, "level"), (3, "skills")]
    assert await store.db[OFFERINGS].count_documents({}) == 0


async def test_valid_json_with_cohorts_is_imported_and_published(tmp_path):
    store = await store_with_provider()
    offerings = [offering_body(offering_id=f"off-json-{n}", title=f"Helpende groep {n}") for n in range(3)]
    for o in offerings:
        cohort = cohort_body("x")
        del cohort["offering_id"]
        o["cohorts"] = [cohort]
    path = tmp_path / "aanbod.json"
    path.write_text(json.dumps({"offerings": offerings}), encoding="utf-8")
    seen = []
    report = await import_file(store, path, "BRIN-25LH", lambda done, total: seen.append((done, total)))
    assert report.committed and (report.offerings, report.cohorts) == (3, 3)
    assert seen[-1] == (3, 3)
    docs = await store.db[OFFERINGS].find({}).to_list(None)
    assert {d["status"] for d in docs} == {"published"} and all(d["outbox_pending"] for d in docs)
    assert await store.db[COHORTS].count_documents({"outbox_pending": {"$gt": 0}}) == 3


async def test_a_failure_while_writing_removes_everything_staged(tmp_path):
    store = await store_with_provider()
    bad_place = cohort_body("x", postcode="9999")  # passes the model, fails the store's place lookup
    del bad_place["offering_id"]
    rows = [offering_body(offering_id="off-ok-1"), offering_body(offering_id="off-ok-2", cohorts=[bad_place])]
    path = tmp_path / "aanbod.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    report = await import_file(store, path, "BRIN-25LH")
    assert not report.committed and report.errors[0].row == 2 and report.errors[0].field == "postcode"
    assert await store.db[OFFERINGS].count_documents({}) == 0
    assert await store.db[COHORTS].count_documents({}) == 0


async def test_existing_ids_and_unknown_provider_are_reported(tmp_path):
    store = await store_with_provider()
    path = tmp_path / "aanbod.csv"
    path.write_text("\n".join([HEADER, GOOD]), encoding="utf-8")
    assert (await import_file(store, path, "BRIN-25LH")).committed
    again = await import_file(store, path, "BRIN-25LH")
    assert [(e.row, e.field) for e in again.errors] == [(1, "offering_id")]
    unknown = await import_file(store, path, "BRIN-00XX")
    assert unknown.errors[0].field == "provider_id"


def test_command_line_prints_the_report_and_fails_on_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("LLO_CATALOGUE_STORAGE", "memory")
    path = tmp_path / "aanbod.csv"
    path.write_text("\n".join([HEADER, BAD_LEVEL]), encoding="utf-8")
    report_path = tmp_path / "rapport.json"
    result = CliRunner().invoke(
        cli_app, ["import", str(path), "--provider", "BRIN-25LH", "--report", str(report_path)]
    )
    assert result.exit_code == 1
    assert "provider_id" in result.output  # memory store: the provider is not registered there
    assert json.loads(report_path.read_text())["committed"] is False
