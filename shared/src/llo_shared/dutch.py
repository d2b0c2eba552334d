"""Dutch on the pages, in one place: amounts, dates, numbers and plurals in CLDR's nl_NL formats
(Babel), the Dutch names of roles and statuses (../GLOSSARY.md), and validation errors turned into
plain Dutch that names the field by its label, so no pydantic or Python text reaches a page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

LOCALE = Locale.parse("nl_NL")

# Babel puts a no-break space between "€" and the amount; pages and tests read a plain space.
_NBSP = "\u00a0"


def euro(cents: int | None) -> str:
    """Integer cents as "€ 1.250,00"; "-" when there is no amount."""
    if cents is None:
        return "-"
    return format_currency(int(cents) / 100, "EUR", locale=LOCALE).replace(_NBSP, " ")


# Amounts typed into forms ------------------------------------------------------------------


def euro_to_cents(text: str) -> int | str:
    """ "1.250,50", "1250.50", "€ 1250" -> cents; anything else comes back as typed, for the
    form's model to refuse with its Dutch message (and the page to show again)."""
    cleaned = text.replace("€", "").replace(" ", "").strip()
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        return int((Decimal(cleaned) * 100).to_integral_value())
    except InvalidOperation:
        return text


def cents_to_euro(cents: int | None) -> str:
    """An amount as a form field shows it for editing: "1250" or "1250,50" (no symbol, no dots)."""
    if cents is None:
        return ""
    whole, rest = divmod(int(cents), 100)
    return f"{whole}" if rest == 0 else f"{whole},{rest:02d}"


def _as_date(value: date | datetime | str | None) -> date | datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text[:10])
    except ValueError:
        return None


def datum(value: date | datetime | str | None) -> str:
    """The one date format on every page and document: "12 januari 2027"."""
    day = _as_date(value)
    if day is None:
        return "-"
    return format_date(day, "d MMMM y", locale=LOCALE)


def datum_invoer(value: date | datetime | str | None) -> str:
    """A date as a person types it into a text field: "12-01-2027" (pages show `datum`)."""
    day = _as_date(value)
    if day is None:
        return "-"
    return format_date(day, "dd-MM-y", locale=LOCALE)


def datum_tijd(value: datetime | str | None) -> str:
    """A moment: "12 januari 2027 om 09:30"."""
    moment = _as_date(value)
    if not isinstance(moment, datetime):
        return datum(moment)
    return format_datetime(moment, "d MMMM y 'om' HH:mm", locale=LOCALE)


def getal(value: float | int | None, decimals: int = 1) -> str:
    """A number in Dutch notation: 0.5 -> "0,5", 1250 -> "1.250"; whole numbers without decimals."""
    if value is None:
        return "-"
    rounded = round(float(value), decimals)
    pattern = "#,##0" if rounded == int(rounded) else "#,##0." + "#" * decimals
    return format_decimal(rounded, format=pattern, locale=LOCALE)


def km(value: float | int | None) -> str:
    """A distance: "0,5 km", "12 km"."""
    return "-" if value is None else f"{getal(value)} km"


def aantal(count: int | None, one: str, many: str) -> str:
    """Count with the right plural form (CLDR's rule for Dutch): "1 plaats", "2 plaatsen", "0 plaatsen"."""
    n = int(count or 0)
    return f"{getal(n, 0)} {one if LOCALE.plural_form(n) == 'one' else many}"


def procent(fraction: float | None) -> str:
    """0.25 -> "25%"."""
    return "-" if fraction is None else f"{getal(fraction * 100, 0)}%"


# --- names of roles and statuses (GLOSSARY.md) ------------------------------------------------

ROLE_LABELS: dict[str, str] = {
    "employer": "werkgever",
    "provider": "opleider",
    "rmt": "mobiliteitsteam",
    "finance": "financiële administratie",
    "admin": "beheerder",
    "candidate": "kandidaat",
    "participant": "deelnemer",
    "payer": "betaler",
}

STATUS_LABELS: dict[str, str] = {
    # cohorts
    "planned": "gepland",
    "confirmed": "gaat door",
    "cancelled": "gaat niet door",
    "running": "loopt",
    "completed": "afgerond",
    # decisions
    "go": "doorgaan",
    "go_with_surcharge": "doorgaan met lege-stoelentoeslag",
    "merge": "samenvoegen",
    "cancel": "niet doorgaan",
    # demands, proposals, placements
    "open": "open",
    "closed": "gesloten",
    "accepted": "geaccepteerd",
    "rejected": "afgewezen",
    "expired": "verlopen",
    "superseded": "vervangen door een nieuw voorstel",
    "active": "actief",
    # applications
    "interested": "aangemeld",
    "intake_planned": "intake gepland",
    "intake_done": "intake gehad",
    "admitted": "toegelaten",
    "enrolment_requested": "inschrijving aangevraagd",
    "enrolled": "ingeschreven",
    "waitlisted": "op de wachtlijst",
    "withdrawn": "afgemeld",
    # invoices
    "paid": "betaald",
    "partly_paid": "deels betaald",
    "overdue": "te laat",
    "issued": "openstaand",
    "draft": "concept",
    # offerings
    "published": "gepubliceerd",
    "unpublished": "niet gepubliceerd",
    # enrolment and funding
    "individual": "individueel",
    "group": "als groep via de werkgever",
    "bekostigd": "bekostigd",
    "privaat": "privaat",
}


def rol(key: str | None) -> str:
    return ROLE_LABELS.get(key or "", "onbekende rol")


def status(key: str | None) -> str:
    """A status in Dutch; an unknown key is shown with its underscores as spaces, never as code."""
    if not key:
        return "-"
    return STATUS_LABELS.get(key, key.replace("_", " "))


# --- validation messages ----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldError:
    field: str  # the form field's name (for aria-describedby and the anchor in the summary)
    label: str  # its Dutch label
    message: str  # a Dutch sentence: what is wrong and how to fix it


def _number(ctx: Mapping[str, Any], key: str) -> str:
    value = ctx.get(key)
    return getal(value, 2) if isinstance(value, int | float) else str(value)


def _message(error_type: str, ctx: Mapping[str, Any], label: str) -> str:
    """One pydantic error type -> one Dutch sentence (unknown types get a general one)."""
    if error_type == "missing" or (error_type == "string_too_short" and ctx.get("min_length") == 1):
        return f"Vul {label} in."
    messages = {
        "string_too_short": f"{label} is te kort: gebruik minstens {ctx.get('min_length')} tekens.",
        "string_too_long": f"{label} is te lang: gebruik hoogstens {ctx.get('max_length')} tekens.",
        "string_pattern_mismatch": f"{label} heeft niet de goede vorm.",
        "greater_than": f"{label} moet groter zijn dan {_number(ctx, 'gt')}.",
        "greater_than_equal": f"{label} moet {_number(ctx, 'ge')} of meer zijn.",
        "less_than": f"{label} moet kleiner zijn dan {_number(ctx, 'lt')}.",
        "less_than_equal": f"{label} mag hoogstens {_number(ctx, 'le')} zijn.",
        "int_parsing": f"Vul bij {label} een heel getal in, bijvoorbeeld 5.",
        "int_type": f"Vul bij {label} een heel getal in, bijvoorbeeld 5.",
        "int_from_float": f"Vul bij {label} een heel getal in, zonder komma.",
        "float_parsing": f"Vul bij {label} een getal in, bijvoorbeeld 2,5.",
        "float_type": f"Vul bij {label} een getal in, bijvoorbeeld 2,5.",
        "decimal_parsing": f"Vul bij {label} een getal in, bijvoorbeeld 2,5.",
        "bool_parsing": f"Kies ja of nee bij {label}.",
        "date_parsing": f"Vul bij {label} een datum in, bijvoorbeeld 12-01-2027.",
        "date_from_datetime_parsing": f"Vul bij {label} een datum in, bijvoorbeeld 12-01-2027.",
        "date_type": f"Vul bij {label} een datum in, bijvoorbeeld 12-01-2027.",
        "datetime_parsing": f"Vul bij {label} een datum en tijd in.",
        "date_past": f"{label} moet in het verleden liggen.",
        "date_future": f"{label} moet in de toekomst liggen.",
        "enum": f"Kies bij {label} een van de mogelijkheden.",
        "literal_error": f"Kies bij {label} een van de mogelijkheden.",
        "too_short": f"Kies bij {label} minstens {ctx.get('min_length')}.",
        "too_long": f"Kies bij {label} hoogstens {ctx.get('max_length')}.",
        "list_type": f"Kies bij {label} een of meer mogelijkheden.",
        "string_type": f"Vul {label} in als tekst.",
        "value_error": f"{label} klopt niet. Controleer wat u heeft ingevuld.",
        "assertion_error": f"{label} klopt niet. Controleer wat u heeft ingevuld.",
        "extra_forbidden": f"{label} hoort niet bij dit formulier.",
        "url_parsing": f"Vul bij {label} een webadres in, bijvoorbeeld https://www.voorbeeld.nl.",
        "value_error.email": f"Vul bij {label} een e-mailadres in, bijvoorbeeld naam@voorbeeld.nl.",
    }
    return messages.get(error_type, f"{label} klopt niet. Controleer wat u heeft ingevuld.")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def dutch_errors(
    errors: Iterable[Mapping[str, Any]],
    labels: Mapping[str, str],
    dutch_values: Mapping[str, str] | None = None,
) -> list[FieldError]:
    """pydantic's `errors()` (from a ValidationError or a RequestValidationError) -> Dutch field errors.

    `labels` maps a field name (the last name in the error's location) to its Dutch label, e.g.
    {"postcode": "de postcode"}. A validator's own ValueError text reaches the page only when it is
    marked Dutch (DUTCH_MARK) or is a key of `dutch_values` (its English text -> a Dutch sentence);
    anything else becomes a general Dutch sentence. One message per field, in the order given.
    """
    seen: dict[str, FieldError] = {}
    for error in errors:
        names = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
        names = [n for n in names if n not in ("body", "query", "path", "form")]
        field = next((n for n in reversed(names) if n in labels), names[-1] if names else "")
        label = labels.get(field, "dit veld")
        error_type = str(error.get("type", ""))
        text = _message(error_type, error.get("ctx") or {}, label)
        given = _own_dutch_sentence(error, dutch_values)
        if given:
            text = given
        if field not in seen:
            seen[field] = FieldError(field, label, _capitalised(text))
    return list(seen.values())


def _own_dutch_sentence(error: Mapping[str, Any], dutch_values: Mapping[str, str] | None) -> str | None:
    """A Dutch sentence a validator raised on purpose ("Dutch:" marker or a known sentence)."""
    if error.get("type") != "value_error":
        return None
    original = (error.get("ctx") or {}).get("error")
    text = str(original) if original is not None else ""
    if text.startswith(DUTCH_MARK):
        return text.removeprefix(DUTCH_MARK).strip()
    if dutch_values and text in dutch_values:
        return dutch_values[text]
    return None


DUTCH_MARK = "NL:"
"""A validator may raise ValueError("NL: Vul een postcode in, bijvoorbeeld 1315 AB.") to put its
own Dutch sentence on the page; any other ValueError text stays out of the page."""


def jinja_filters() -> dict[str, Any]:
    return {
        "euro": euro,
        "datum": datum,
        "datum_tijd": datum_tijd,
        "getal": getal,
        "km": km,
        "procent": procent,
        "rol": rol,
        "status": status,
    }


def jinja_globals() -> dict[str, Any]:
    return {"aantal": aantal}
