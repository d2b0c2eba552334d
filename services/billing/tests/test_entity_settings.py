"""An administration's settings through the use case the API's PATCH /entities/{id} calls: only the
fields given change, and an unknown administration is the named error `UnknownEntity`."""

from __future__ import annotations

import pytest

from billing.store import ENTITIES
from billing.usecases import EntitySettings, UnknownEntity, update_entity_settings
from llo_shared.mongo import MemoryDatabase


async def test_only_the_fields_given_change() -> None:
    db = MemoryDatabase("settings")
    await db[ENTITIES].insert_one({"_id": "ent-1", "name": "ROC Oost", "payment_terms_days": 30})
    stored = await update_entity_settings(db, "ent-1", EntitySettings(payment_terms_days=14, kvk="12345678"))
    assert stored == {"_id": "ent-1", "name": "ROC Oost", "payment_terms_days": 14, "kvk": "12345678"}
    assert await db[ENTITIES].find_one({"_id": "ent-1"}) == stored


async def test_an_unknown_administration_is_named() -> None:
    db = MemoryDatabase("settings")
    with pytest.raises(UnknownEntity) as refused:
        await update_entity_settings(db, "ent-missing", EntitySettings(name="Nieuw"))
    assert refused.value.entity_id == "ent-missing"
    assert await db[ENTITIES].find_one({"_id": "ent-missing"}) is None
