"""Dutch on the pages: CLDR formats, plurals, validation messages, error pages for browsers."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, ValidationError, field_validator

from llo_shared import dutch
from llo_shared.problems import Problem, install_problem_handlers


def test_amounts_dates_numbers_and_plurals_in_dutch() -> None:
    assert dutch.euro(125000) == "€ 1.250,00"
    assert dutch.euro(5) == "€ 0,05"
    assert dutch.euro(None) == "-"
    assert dutch.datum("2027-01-12") == "12 januari 2027"
    assert dutch.datum(date(2027, 3, 1)) == "1 maart 2027"
    assert dutch.datum_invoer("2027-01-12") == "12-01-2027"
    assert dutch.datum("geen datum") == "-"
    assert dutch.km(0.5) == "0,5 km"
    assert dutch.km(12.0) == "12 km"
    assert dutch.getal(1250) == "1.250"
    assert dutch.aantal(1, "plaats", "plaatsen") == "1 plaats"
    assert dutch.aantal(2, "plaats", "plaatsen") == "2 plaatsen"
    assert dutch.aantal(0, "plaats", "plaatsen") == "0 plaatsen"
    assert dutch.procent(0.25) == "25%"


def test_roles_and_statuses_have_dutch_names() -> None:
    assert dutch.rol("employer") == "werkgever"
    assert dutch.rol("rmt") == "mobiliteitsteam"
    assert dutch.status("confirmed") == "gaat door"
    assert dutch.status("enrolment_requested") == "inschrijving aangevraagd"
    assert dutch.status("something_new") == "something new"


class Form(BaseModel):
    postcode: str = Field(min_length=4, max_length=7)
    participants: int = Field(ge=1, le=50)
    start: date
    note: str = ""

    @field_validator("note")
    @classmethod
    def english_or_marked(cls, value: str) -> str:
        if value == "english":
            raise ValueError("unknown postcode 9999 in ['a', 'b']")
        if value == "dutch":
            raise ValueError(dutch.DUTCH_MARK + " Vul een postcode in, bijvoorbeeld 1315 AB.")
        return value


LABELS = {
    "postcode": "de postcode",
    "participants": "het aantal deelnemers",
    "start": "de startdatum",
    "note": "de opmerking",
}


def errors_for(data: dict) -> list[dutch.FieldError]:
    with pytest.raises(ValidationError) as caught:
        Form.model_validate(data)
    return dutch.dutch_errors(caught.value.errors(), LABELS)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"participants": 2, "start": "2027-01-12"}, "Vul de postcode in."),
        ({"postcode": "12", "participants": 2, "start": "2027-01-12"}, "De postcode is te kort"),
        ({"postcode": "1315AB", "participants": "veel", "start": "2027-01-12"}, "een heel getal"),
        ({"postcode": "1315AB", "participants": 0, "start": "2027-01-12"}, "1 of meer"),
        ({"postcode": "1315AB", "participants": 2, "start": "morgen"}, "een datum in"),
        ({"postcode": "1315AB", "participants": 2, "start": "2027-01-12", "note": "english"}, "klopt niet"),
        (
            {"postcode": "1315AB", "participants": 2, "start": "2027-01-12", "note": "dutch"},
            "bijvoorbeeld 1315 AB",
        ),
    ],
)
def test_validation_errors_become_dutch_sentences_naming_the_field(data: dict, expected: str) -> None:
    (error,) = errors_for(data)
    assert expected in error.message
    for english in ("Input should", "Value error", "String should", "[", "unknown"):
        assert english not in error.message


def app_with_errors() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/catalogue/boom")
    def boom() -> None:
        raise Problem(403, "forbidden", "Not allowed for this role")

    @app.get("/catalogue/api/v1/boom")
    def api_boom() -> None:
        raise Problem(403, "forbidden", "Not allowed for this role")

    @app.get("/catalogue/getal")
    def number(n: int) -> int:
        return n

    return app


def test_browsers_get_dutch_error_pages_and_the_api_keeps_problem_json() -> None:
    client = TestClient(app_with_errors(), raise_server_exceptions=False)
    html = {"accept": "text/html,application/xhtml+xml"}
    page = client.get("/catalogue/boom", headers=html)
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "Geen toegang" in page.text and "Not allowed" not in page.text
    missing = client.get("/catalogue/nergens", headers=html)
    assert missing.status_code == 404 and "Pagina niet gevonden" in missing.text
    invalid = client.get("/catalogue/getal?n=abc", headers=html)
    assert invalid.status_code == 422 and "heel getal" in invalid.text and "Input should" not in invalid.text
    api = client.get("/catalogue/api/v1/boom", headers=html)
    assert api.headers["content-type"] == "application/problem+json" and api.json()["status"] == 403
    plain = client.get("/catalogue/boom")
    assert plain.headers["content-type"] == "application/problem+json"
