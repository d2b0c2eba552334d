"""HTML form <-> write model: read posted fields into the API's input shape, and say its errors in Dutch.

The rules themselves live in the pydantic models and the store (one copy, shared with the JSON API);
this module only converts: form strings to typed input (euro to cents, comma lists to lists), a
validation error's location to the form field it is about, and the English message to Dutch.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from catalogue.domain.errors import Refusal
from llo_shared.dutch import cents_to_euro, euro_to_cents

OFFERING_LISTS = (
    "target_groups",
    "learning_modes",
    "location_kinds",
    "lesson_times",
    "registration",
    "skills",
)
OFFERING_FLAGS = (
    "own_pace",
    "free_module_order",
    "exemptions_possible",
    "intake_required",
    "requires_workplace",
)
OFFERING_COMMA_LISTS = ("keywords", "stacks_into", "visible_to")
OFFERING_TEXTS = (
    "title",
    "description",
    "credential_type",
    "code",
    "leerweg",
    "level",
    "domain",
    "study_load_hours",
    "duration_weeks",
    "start_policy",
    "funding",
    "visibility",
    "vat_code",
    "tuition_euro",
    "exam_euro",
    "materials_euro",
    "version",
)
PRICE_FIELDS = {
    "tuition_euro": "tuition_cents",
    "exam_euro": "exam_cents",
    "materials_euro": "materials_cents",
}
COHORT_TEXTS = (
    "start_date",
    "end_date",
    "decision_date",
    "municipality",
    "postcode",
    "capacity",
    "break_even",
    "seat_price_euro",
    "version",
)
MONEY_FIELDS = frozenset({*PRICE_FIELDS, "seat_price_euro"})
CHOICE_FIELDS = frozenset(
    {"credential_type", "leerweg", "level", "domain", "start_policy", "funding", "visibility", "vat_code"}
)

# Where a model's error location points in the form: nested price fields and cents live under euro names.
FORM_FIELD_OF = {
    ("price", "tuition_cents"): "tuition_euro",
    ("price", "exam_cents"): "exam_euro",
    ("price", "materials_cents"): "materials_euro",
    ("price", "vat_code"): "vat_code",
    ("seat_price_cents",): "seat_price_euro",
}


# Form values -------------------------------------------------------------------------------------


def comma_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\n;]", text) if part.strip()]


def employer_ids(text: str) -> list[str]:
    """KvK numbers as people write them ("39084217", "KvK 39084217") -> the ids the API reads."""
    return [
        f"KVK-{digits}" if (digits := re.sub(r"^(kvk)?[\s-]*", "", part, flags=re.I)).isdigit() else part
        for part in comma_list(text)
    ]


def kvk_numbers(ids: list[str]) -> str:
    """["KVK-39084217"] -> "39084217": the number a clerk knows, not the id."""
    return ", ".join(i.removeprefix("KVK-") for i in ids)


def offering_values(form: FormData) -> dict[str, Any]:
    """What the form posted, kept as typed by the user so the page can be shown again."""
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in OFFERING_TEXTS}
    values |= {name: str(form.get(name, "")) for name in OFFERING_COMMA_LISTS}
    values |= {name: [str(v) for v in form.getlist(name)] for name in OFFERING_LISTS}
    values |= {name: form.get(name) == "on" for name in OFFERING_FLAGS}
    return values


def offering_input(values: dict[str, Any]) -> dict[str, Any]:
    """The form values in the shape OfferingCreate / OfferingUpdate read (the JSON API's body)."""
    data: dict[str, Any] = {
        name: values[name]
        for name in OFFERING_TEXTS
        if values[name] != "" and name not in PRICE_FIELDS and name != "vat_code"
    }
    data["code"] = values["code"] or None
    data |= {name: comma_list(values[name]) for name in OFFERING_COMMA_LISTS}
    data["visible_to"] = employer_ids(values["visible_to"])
    data |= {name: values[name] for name in OFFERING_LISTS}
    data |= {name: values[name] for name in OFFERING_FLAGS}
    price: dict[str, Any] = {
        cents: euro_to_cents(values[euro]) for euro, cents in PRICE_FIELDS.items() if values[euro] != ""
    }
    if values["vat_code"]:
        price["vat_code"] = values["vat_code"]
    data["price"] = price
    return data


def offering_form_values(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored offering as form values, for the edit page."""
    values: dict[str, Any] = {
        name: "" if doc.get(name) is None else str(doc[name]) for name in OFFERING_TEXTS
    }
    values |= {name: ", ".join(doc.get(name) or []) for name in OFFERING_COMMA_LISTS}
    values["visible_to"] = kvk_numbers(doc.get("visible_to") or [])
    values |= {name: list(doc.get(name) or []) for name in OFFERING_LISTS}
    values |= {name: bool(doc.get(name)) for name in OFFERING_FLAGS}
    values |= {euro: cents_to_euro(doc["price"].get(cents)) for euro, cents in PRICE_FIELDS.items()}
    values["vat_code"] = doc["price"].get("vat_code", "E")
    return values


def cohort_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in COHORT_TEXTS}
    values["rolling"] = form.get("rolling") == "on"
    return values


def cohort_input(values: dict[str, Any], postcode_of_municipality: str | None) -> dict[str, Any]:
    """CohortCreate / CohortUpdate input; an empty postcode means the municipality's own PC4."""
    data: dict[str, Any] = {
        name: values[name] for name in COHORT_TEXTS if values[name] != "" and name != "seat_price_euro"
    }
    if not values["postcode"] and postcode_of_municipality:
        data["postcode"] = postcode_of_municipality
    if values["seat_price_euro"] != "":
        data["seat_price_cents"] = euro_to_cents(values["seat_price_euro"])
    data["rolling"] = values["rolling"]
    return data


def cohort_form_values(doc: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {name: "" if doc.get(name) is None else str(doc[name]) for name in COHORT_TEXTS}
    values["seat_price_euro"] = cents_to_euro(doc.get("seat_price_cents"))
    values["rolling"] = bool(doc.get("rolling"))
    return values


# Errors ------------------------------------------------------------------------------------------

# The models' own messages (domain/model.py, store.py) in Dutch; unknown ones are shown as they are.
DUTCH_MESSAGES = {
    "a diploma needs its 5-digit crebo code": (
        "Een diploma heeft een crebocode van 5 cijfers, bijvoorbeeld 25498."
    ),
    "an mbo-certificaat needs a keuzedeel code (K0000) or crebo": (
        "Een mbo-certificaat heeft een keuzedeelcode (K0000) of een crebocode."
    ),
    "BOL and BBL are funded (bekostigd)": "BOL en BBL zijn bekostigd: kies Bekostigd.",
    "derde leerweg and contractonderwijs are private (privaat)": (
        "Derde leerweg en contractonderwijs zijn privaat: kies Privaat."
    ),
    "an onderhands offering names the employers it is meant for": (
        "Noem de werkgever(s) voor wie dit onderhandse aanbod bedoeld is."
    ),
    "only onderhands offerings name employers": "Alleen onderhands aanbod noemt werkgevers: laat dit leeg.",
    "BBL always needs a leerwerkplek": "BBL vraagt altijd een leerwerkplek: vink dit aan.",
    "values must not repeat": "Kies elke waarde maar één keer.",
    "ends before it starts": "De einddatum ligt vóór de startdatum.",
    "must not be after start_date": "De besluitdatum mag niet na de startdatum liggen.",
    "larger than capacity": "De break-even is groter dan de capaciteit.",
    "not in a postcode area this catalogue covers": "Deze postcode ligt buiten de regio's van de catalogus.",
    "below seats taken": "Lager dan het aantal al bezette plaatsen.",
    "the offering changed since you read it; read it again": (
        "Het aanbod is intussen gewijzigd. Laad de pagina opnieuw en probeer het nog eens."
    ),
    "the cohort changed since you read it; read it again": (
        "Het startmoment is intussen gewijzigd. Laad de pagina opnieuw en probeer het nog eens."
    ),
    "a withdrawn offering cannot change": "Een ingetrokken opleiding kan niet meer worden gewijzigd.",
    "cohorts are scheduled for published offerings only": (
        "Startmomenten plant u alleen bij gepubliceerde opleidingen."
    ),
}
PATTERN_HINTS = {
    "code": "Vul een crebocode (5 cijfers) of keuzedeelcode (K0000) in.",
    "stacks_into": "Vul crebo- of keuzedeelcodes in, gescheiden door komma's (25498, K0123).",
    "visible_to": "Vul KvK-nummers in van 8 cijfers, bijvoorbeeld 39084217, gescheiden door komma's.",
    "postcode": "Vul een postcode in als 1311 of 1311 AB.",
}


def dutch(message: str) -> str:
    text = message.removeprefix("Value error, ")
    if text in DUTCH_MESSAGES:
        return DUTCH_MESSAGES[text]
    if text.startswith("unknown skill id"):
        return "Onbekende vaardigheid: kies uit de lijst."
    if moved := re.fullmatch(r"postcode (.+) lies in (.+)", text):
        return f"Postcode {moved[1]} ligt in {moved[2]}: kies die gemeente of een andere postcode."
    if taken := re.fullmatch(r"(\d+) seats are taken already", text):
        return f"Er zijn al {taken[1]} plaatsen bezet: de capaciteit kan niet lager."
    if re.match(r"the cohort is|a \w+ cohort cannot", text):
        return "Dit startmoment kan in zijn huidige status niet meer worden gewijzigd."
    return text


def _type_message(field: str, error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if field in MONEY_FIELDS and kind in ("int_parsing", "int_type", "int_from_float"):
        return "Vul een bedrag in euro in, bijvoorbeeld 1250 of 1250,50."
    if field in CHOICE_FIELDS and kind == "missing":
        return "Maak een keuze."
    messages = {
        "missing": "Vul dit veld in.",
        "string_too_short": "Vul dit veld in.",
        "string_too_long": f"Te lang: hoogstens {ctx.get('max_length')} tekens.",
        "int_parsing": "Vul een heel getal in.",
        "int_from_float": "Vul een heel getal in.",
        "greater_than_equal": f"Vul minstens {ctx.get('ge')} in.",
        "less_than_equal": f"Vul hoogstens {ctx.get('le')} in.",
        "enum": "Kies een van de opties.",
        "literal_error": "Kies een van de opties.",
        "too_short": f"Kies er minstens {ctx.get('min_length')}.",
        "too_long": f"Hoogstens {ctx.get('max_length')} waarden.",
        "date_from_datetime_parsing": "Vul een datum in.",
        "date_parsing": "Vul een datum in.",
        "bool_parsing": "Ongeldige keuze.",
    }
    if kind == "string_pattern_mismatch":
        return PATTERN_HINTS.get(field, "Deze waarde heeft niet de juiste vorm.")
    if kind == "value_error":
        return dutch(str(error.get("msg", "")))
    return messages.get(kind, "Deze waarde is ongeldig.")


def _named_field(message: str, fields: set[str]) -> tuple[str | None, str]:
    """Model-level messages start with the field they are about: "code: a diploma needs ..."."""
    head, _, rest = message.removeprefix("Value error, ").partition(": ")
    if rest and (head in fields or (head,) in FORM_FIELD_OF):
        return FORM_FIELD_OF.get((head,), head), rest
    return None, message.removeprefix("Value error, ")


def _form_field(loc: tuple[Any, ...], named: str | None, fields: set[str]) -> str:
    parts = tuple(p for p in loc if not isinstance(p, int))  # list positions: the list's field
    if parts in FORM_FIELD_OF:
        return FORM_FIELD_OF[parts]
    if parts and str(parts[0]) in fields:
        return str(parts[0])
    return named or "form"


def validation_errors(error: ValidationError, fields: set[str]) -> dict[str, str]:
    """Form field -> Dutch message; the first error per field wins."""
    found: dict[str, str] = {}
    for e in error.errors():
        named, message = _named_field(str(e.get("msg", "")), fields)
        field = _form_field(tuple(e["loc"]), named, fields)
        found.setdefault(field, _type_message(field, {**e, "msg": message}))
    return found


def refusal_errors(refusal: Refusal, fields: set[str]) -> dict[str, str]:
    """A use case's refusal (a stale version, a postcode, ...) as a Dutch message at its form field."""
    detail = refusal.detail
    head, _, rest = detail.partition(": ")
    field = refusal.field or head
    message = dutch(rest if rest and head == field else detail)
    return {field if field in fields else "form": message}
