"""What a PDF of an invoice or credit note must say, checked on the text pypdf extracts from it."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    """The PDF's text with runs of whitespace as one space (a wrapped line reads as one)."""
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def eur(cents: int) -> str:
    euros, rest = divmod(abs(cents), 100)
    return ("-" if cents < 0 else "") + "€ " + f"{euros:,}".replace(",", ".") + f",{rest:02d}"


MONTHS = "januari februari maart april mei juni juli augustus september oktober november december".split()


def day(value: str | date) -> str:
    """The pages' one date format, written out here so the test does not reuse what it checks."""
    value = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def flat(text: str) -> str:
    return " ".join(text.split())


def missing_fields(
    text: str,
    doc: dict[str, Any],
    seller: dict[str, Any],
    buyer: dict[str, Any],
    training: tuple[str, str, str] | None = None,
) -> list[str]:
    """The fields a Dutch finance office expects that `text` lacks (empty: all there).
    `doc` is the API's document view, `seller` the administration, `buyer` the payer's name and
    address, `training` (title, start, end) the offering and cohort."""
    credit = doc["kind"] == "credit_note"
    expected = {
        "title": f"{'Creditnota' if credit else 'Factuur'} {doc['number']}",
        "seller name": seller["name"],
        "seller street": seller["street"],
        "seller city": f"{seller['postcode']} {seller['city']}",
        "seller KvK": f"KvK {seller['kvk']}",
        "seller VAT number": seller["vat_number"],
        "buyer name": buyer["name"],
        "buyer street": buyer["street"],
        "buyer city": f"{buyer['postcode']} {buyer['city']}",
        "issue date": day(doc["issue_date"]),
        "IBAN": " ".join(seller["iban"][i : i + 4] for i in range(0, len(seller["iban"]), 4)),
        "account holder": f"t.n.v. {seller['account_holder']}",
        "BIC": seller["bic"],
        "payment reference": doc["number"],
        "total": eur(doc["total_cents"]),
    }
    if buyer.get("kvk"):
        expected["buyer KvK"] = f"KvK {buyer['kvk']}"
    if credit:
        expected["credited invoice"] = f"Correctie op factuur {doc['credited_number']}"
    else:
        expected["due date"] = f"Vervaldatum {day(doc['due_date'])}"
    if training:
        expected["training"] = flat(training[0])
        expected["period"] = f"{day(training[1])} t/m {day(training[2])}"
    for index, line in enumerate(doc["lines"]):
        expected[f"line {index + 1} text"] = flat(line["description"])
        expected[f"line {index + 1} amount"] = eur(line["amount_cents"])
        if line["vat_category"] == "E":
            expected[f"line {index + 1} exemption"] = flat(line["exemption_reason"])
    lacking = [name for name, value in expected.items() if value not in text]
    if credit and "Vervaldatum" in text:
        lacking.append("no due date on a credit note")
    return lacking
