"""An administration's (legal entity's) own settings: name, billing moment, payment terms, and the
registration and bank details its documents print. Only the fields given change."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from billing.domain.ledgers import BillingMoment
from billing.domain.text import PLAIN_TEXT
from billing.store import ENTITIES


class EntitySettings(BaseModel):
    """The settings finance may change; a field left out (or null) keeps its value."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=PLAIN_TEXT)
    billing_moment: BillingMoment | None = None
    payment_terms_days: int | None = Field(default=None, ge=0, le=365)
    kvk: str | None = Field(default=None, pattern=r"^\d{8}$")
    vat_number: str | None = Field(default=None, pattern=r"^NL\d{9}B\d{2}$")
    iban: str | None = Field(default=None, pattern=r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")
    bic: str | None = Field(default=None, pattern=r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
    account_holder: str | None = Field(default=None, min_length=1, max_length=200, pattern=PLAIN_TEXT)
    street: str | None = Field(default=None, max_length=200, pattern=PLAIN_TEXT)
    city: str | None = Field(default=None, max_length=100, pattern=PLAIN_TEXT)
    postcode: str | None = Field(default=None, max_length=10, pattern=PLAIN_TEXT)


class UnknownEntity(LookupError):
    """No administration with this id."""

    def __init__(self, entity_id: str) -> None:
        super().__init__(f"no administration {entity_id}")
        self.entity_id = entity_id


async def update_entity_settings(db: Any, entity_id: str, settings: EntitySettings) -> dict[str, Any]:
    """Write the settings given and answer the administration as stored afterwards."""
    changes = settings.model_dump(exclude_none=True, mode="json")
    if changes:
        await db[ENTITIES].update_one({"_id": entity_id}, {"$set": changes})
    entity: dict[str, Any] | None = await db[ENTITIES].find_one({"_id": entity_id})
    if entity is None:
        raise UnknownEntity(entity_id)
    return entity
