"""Fixtures of the catalogue service tests: an app on memory adapters and builders for its data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from catalogue.app import create_app
from catalogue.settings import CatalogueSettings
from tests.fixtures.apps import bearer, running

API = "/catalogue/api/v1"
FLEVOLAND = "BRIN-25LH"
TWENTE = "BRIN-25LP"
EMPLOYER = "KVK-39084217"


def provider_body(provider_id: str = FLEVOLAND, **overrides: Any) -> dict[str, Any]:
    body = {
        "provider_id": provider_id,
        "name": {FLEVOLAND: "ROC van Flevoland", TWENTE: "ROC van Twente"}.get(provider_id, "Testaanbieder"),
        "kind": "roc",
        "institution_code": provider_id[-4:],
        "regions": ["flevoland"] if provider_id == FLEVOLAND else ["twente"],
    }
    return body | overrides


def offering_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "title": "Helpende Zorg en Welzijn",
        "description": "Opleiding tot helpende in de ouderenzorg, met werkplekleren.",
        "keywords": ["helpende", "zorg"],
        "credential_type": "diploma",
        "code": "25498",
        "leerweg": "bbl",
        "level": 2,
        "domain": "zorg_welzijn_sport",
        "study_load_hours": 1600,
        "duration_weeks": 52,
        "target_groups": ["werkenden", "werkzoekenden"],
        "learning_modes": ["klassikaal", "werkplekleren"],
        "location_kinds": ["school"],
        "lesson_times": ["dag"],
        "start_policy": "fixed",
        "registration": ["individual", "group"],
        "requires_workplace": True,
        "price": {"tuition_cents": 390000, "exam_cents": 15000, "materials_cents": 0, "vat_code": "E"},
        "funding": "bekostigd",
        "skills": ["zorg.adl", "zorg.persoonlijke_verzorging"],
    }
    return body | overrides


def cohort_body(offering_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "offering_id": offering_id,
        "start_date": "2030-02-01",
        "end_date": "2031-01-31",
        "decision_date": "2030-01-10",
        "municipality": "Almere",
        "postcode": "1315",
        "capacity": 14,
        "break_even": 10,
        "seat_price_cents": 450000,
    }
    return body | overrides


@pytest.fixture
def settings(settings_overrides: dict[str, Any]) -> CatalogueSettings:
    return CatalogueSettings(**settings_overrides)


@pytest.fixture
async def client(settings: CatalogueSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with running(app) as http:
        http.app = app  # type: ignore[attr-defined]
        yield http


@pytest.fixture
def as_flevoland(settings: CatalogueSettings) -> dict[str, str]:
    return bearer(settings, "provider", FLEVOLAND, "flevoland")


@pytest.fixture
def as_twente(settings: CatalogueSettings) -> dict[str, str]:
    return bearer(settings, "provider", TWENTE, "twente")


@pytest.fixture
def as_employer(settings: CatalogueSettings) -> dict[str, str]:
    return bearer(settings, "employer", EMPLOYER, "flevoland")


@pytest.fixture
def as_admin(settings: CatalogueSettings) -> dict[str, str]:
    return bearer(settings, "admin", "LLO-BEHEER")


class Catalogue:
    """Builds data through the API, so tests read like what a provider does."""

    def __init__(self, http: httpx.AsyncClient, flevoland: dict[str, str], twente: dict[str, str]) -> None:
        self.http, self.flevoland, self.twente = http, flevoland, twente

    async def providers(self) -> None:
        for body, headers in (
            (provider_body(FLEVOLAND), self.flevoland),
            (provider_body(TWENTE), self.twente),
        ):
            response = await self.http.post(f"{API}/providers", json=body, headers=headers)
            assert response.status_code == 201, response.text

    async def offering(self, headers: dict[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
        response = await self.http.post(
            f"{API}/offerings", json=offering_body(**overrides), headers=headers or self.flevoland
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def cohort(
        self, offering_id: str, headers: dict[str, str] | None = None, **overrides: Any
    ) -> dict[str, Any]:
        response = await self.http.post(
            f"{API}/cohorts", json=cohort_body(offering_id, **overrides), headers=headers or self.flevoland
        )
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
async def catalogue(
    client: httpx.AsyncClient, as_flevoland: dict[str, str], as_twente: dict[str, str]
) -> Catalogue:
    built = Catalogue(client, as_flevoland, as_twente)
    await built.providers()
    return built
