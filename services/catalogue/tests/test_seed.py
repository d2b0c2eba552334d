"""Demo data: sizes the issue asks for, deterministic, idempotent, with go/no-go work for Flevoland."""

from datetime import date

from catalogue.seed import DEMO_EMPLOYER, ROC_FLEVOLAND, seed_demo_data
from catalogue.store import COHORTS, OFFERINGS, PROVIDERS, CatalogueStore
from llo_shared.mongo import MemoryDatabase

TODAY = date(2026, 11, 22)


async def seeded(name="demo"):
    store = CatalogueStore(MemoryDatabase(name), today=lambda: TODAY)
    counts = await seed_demo_data(store, seed=7, today=TODAY)
    return store, counts


async def test_sizes_regions_and_names():
    store, counts = await seeded()
    assert counts["providers"] >= 40 and counts["offerings"] >= 300 and counts["cohorts"] >= 900
    regions = set(await store.db[COHORTS].distinct("region"))
    assert {"flevoland", "twente", "haaglanden"} <= regions
    names = set(await store.db[PROVIDERS].distinct("name"))
    assert {"ROC van Flevoland", "ROC Friese Poort", "STOC", "Educared", "Technicom"} <= names
    assert (
        await store.db[OFFERINGS].count_documents({"visibility": "onderhands", "visible_to": DEMO_EMPLOYER})
        >= 2
    )


async def test_flevoland_has_cohorts_below_break_even_with_a_decision_soon():
    store, _ = await seeded()
    soon = (
        await store.db[COHORTS]
        .find({"provider_id": ROC_FLEVOLAND, "status": "planned", "decision_date": {"$lte": "2026-12-06"}})
        .to_list(None)
    )
    below = [c for c in soon if c["seats_taken"] < c["break_even"]]
    assert len(below) >= 4


async def test_seed_is_deterministic_and_idempotent():
    first, _ = await seeded("a")
    second, _ = await seeded("b")
    fields = {"_id": 1, "seats_taken": 1, "start_date": 1, "capacity": 1}
    a = await first.db[COHORTS].find({}, fields).sort("_id", 1).to_list(None)
    b = await second.db[COHORTS].find({}, fields).sort("_id", 1).to_list(None)
    assert a == b
    assert await seed_demo_data(first, seed=7, today=TODAY) == {
        "providers": 0,
        "consortia": 0,
        "offerings": 0,
        "cohorts": 0,
    }
