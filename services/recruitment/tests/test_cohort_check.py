"""The cohort read for an early check (the funding kinds an enrolment request may name) is shared by
requests close together, and a change this process records is seen at once."""

from __future__ import annotations

from llo_shared.mongo import MemoryDatabase
from recruitment.store import RecruitmentStore


async def test_checks_close_together_share_one_read_and_see_a_recorded_change_at_once():
    store = RecruitmentStore(MemoryDatabase())
    await store.upsert_cohort("coh-1", {"provider_id": "BRIN-1", "funding_kinds": ["private"]})
    reads = 0
    read = store.cohort

    async def counted(cohort_id):
        nonlocal reads
        reads += 1
        return await read(cohort_id)

    store.cohort = counted
    assert (await store.cohort_for_check("coh-1"))["funding_kinds"] == ["private"]
    assert (await store.cohort_for_check("coh-1"))["funding_kinds"] == ["private"]
    assert reads == 1
    await store.upsert_cohort("coh-1", {"funding_kinds": ["funded_bbl", "private"]})
    assert (await store.cohort_for_check("coh-1"))["funding_kinds"] == ["funded_bbl", "private"]
    assert reads == 1  # written through, not read again
    await store.cohorts.update_one({"_id": "coh-1"}, {"$set": {"funding_kinds": []}})  # another process
    assert (await store.cohort_for_check("coh-1", max_age_s=0))["funding_kinds"] == []
    assert reads == 2
