"""A PDF of an invoice or credit note that a Dutch finance office accepts (fpdf2, core fonts).

What it holds: seller and buyer with names, addresses, KvK (or OIN) and VAT number; the invoice
and due date (a credit note has no due date but names the invoice it corrects); the training and
its period; every line's full text, wrapped and never cut; the VAT exemption reason; the totals;
IBAN with account holder ("t.n.v.") and BIC, and the payment reference. Amounts in Dutch notation
("€ 1.250,00"), dates in the one format of the pages ("1 oktober 2026").

Every text goes through `multi_cell` with an explicit width: a `cell` or a width of 0 after
another cell is what ran fpdf2 out of horizontal space before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from billing.domain.invoices import Document, DocumentKind, Line, Party, VatCategory
from billing.domain.money import format_eur
from billing.domain.text import clean
from llo_shared.dutch import datum

PAGE_WIDTH = 190  # A4 minus 10 mm margins
COLUMN = 92
LINE_COLUMNS = (("Omschrijving", 92), ("Aantal", 14), ("Prijs", 30), ("Btw", 20), ("Bedrag", 34))
SCHEME_LABELS = {"0106": "KvK", "0190": "OIN"}


@dataclass(frozen=True)
class Training:
    """The training a document is for: the offering's title and the cohort's period."""

    name: str
    start: date | None = None
    end: date | None = None

    @property
    def period(self) -> str:
        if self.start and self.end:
            return f"{datum(self.start)} t/m {datum(self.end)}"
        if self.start:
            return f"vanaf {datum(self.start)}"
        return ""


def money(cents: int) -> str:
    return format_eur(cents)


def grouped_iban(iban: str) -> str:
    compact = iban.replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _printable(text: str) -> str:
    """Core fonts speak Windows-1252 (which has the euro sign): anything else becomes '?'."""
    return clean(text).encode("cp1252", "replace").decode("cp1252")


class _Pdf(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.core_fonts_encoding = "windows-1252"
        self.set_margins(10, 12, 10)
        self.set_auto_page_break(auto=True, margin=15)
        self.add_page()

    def text_block(self, x: float, width: float, lines: list[str], height: float = 5) -> float:
        """Left-aligned lines at x, each wrapped within `width`; returns the y below them."""
        for text in lines:
            if text:
                self.set_x(x)
                self.multi_cell(width, height, _printable(text), new_x="LMARGIN", new_y="NEXT")
        return self.get_y()

    def height_of(self, width: float, text: str, height: float) -> float:
        wrapped = self.multi_cell(
            width, height, _printable(text), dry_run=True, output=MethodReturnValue.LINES
        )
        assert isinstance(wrapped, list)  # output=LINES answers the wrapped lines
        return height * max(1, len(wrapped))


def render_pdf(
    document: Document, entity: dict[str, Any], payer: Party, training: Training | None = None
) -> bytes:
    pdf = _Pdf()
    credit = document.kind is DocumentKind.credit_note
    pdf.set_font("Helvetica", "B", 16)
    pdf.text_block(10, PAGE_WIDTH, [f"{'Creditnota' if credit else 'Factuur'} {document.number}"], 9)
    pdf.ln(3)
    _parties(pdf, entity, payer)
    pdf.ln(4)
    _facts(pdf, document, training)
    pdf.ln(4)
    _lines(pdf, document.lines)
    _totals(pdf, document)
    _exemption(pdf, document)
    _payment(pdf, document, entity)
    return bytes(pdf.output())


def _parties(pdf: _Pdf, entity: dict[str, Any], payer: Party) -> None:
    top = pdf.get_y()
    pdf.set_font("Helvetica", "B", 10)
    pdf.text_block(10, COLUMN, ["Van"])
    pdf.set_font("Helvetica", size=10)
    seller = [
        entity.get("name") or "",
        entity.get("street") or "",
        f"{entity.get('postcode') or ''} {entity.get('city') or ''}".strip(),
        f"KvK {entity['kvk']}" if entity.get("kvk") else "",
        f"Btw-nummer {entity['vat_number']}" if entity.get("vat_number") else "",
    ]
    left_end = pdf.text_block(10, COLUMN, seller)
    pdf.set_y(top)
    pdf.set_font("Helvetica", "B", 10)
    pdf.text_block(10 + COLUMN + 6, COLUMN, ["Aan"])
    pdf.set_font("Helvetica", size=10)
    buyer = [
        payer.name,
        payer.street,
        f"{payer.postcode} {payer.city}".strip(),
        payer.country if payer.country != "NL" else "",
        f"{SCHEME_LABELS[payer.scheme]} {payer.endpoint}" if payer.scheme and payer.endpoint else "",
    ]
    right_end = pdf.text_block(10 + COLUMN + 6, COLUMN, buyer)
    pdf.set_y(max(left_end, right_end))


def _facts(pdf: _Pdf, document: Document, training: Training | None) -> None:
    credit = document.kind is DocumentKind.credit_note
    facts = [
        ("Creditnotanummer" if credit else "Factuurnummer", document.number or ""),
        ("Datum" if credit else "Factuurdatum", datum(document.issue_date)),
    ]
    if credit:
        credited = document.credited_number or ""
        if document.credited_issue_date:
            credited += f" van {datum(document.credited_issue_date)}"
        facts.append(("Correctie op factuur", credited))
    else:
        facts.append(("Vervaldatum", datum(document.due_date)))
    facts.append(("Uw referentie", document.buyer_reference))
    if training is not None:
        facts.append(("Opleiding", training.name))
        if training.period:
            facts.append(("Periode", training.period))
    pdf.set_font("Helvetica", size=10)
    for label, value in facts:
        top = pdf.get_y()
        pdf.text_block(10, 45, [label])
        pdf.set_y(top)
        pdf.text_block(55, PAGE_WIDTH - 45, [value])


def _lines(pdf: _Pdf, lines: list[Line]) -> None:
    pdf.set_font("Helvetica", "B", 10)
    x = 10.0
    for label, width in LINE_COLUMNS:
        pdf.set_xy(x, pdf.get_y())
        pdf.cell(width, 6, label, border="B", align="L" if label == "Omschrijving" else "R")
        x += width
    pdf.ln(7)
    pdf.set_font("Helvetica", size=9)
    description_width = LINE_COLUMNS[0][1]
    for line in lines:
        needed = pdf.height_of(description_width - 2, line.description, 4.5)
        if pdf.get_y() + needed > pdf.h - pdf.b_margin:
            pdf.add_page()
        top = pdf.get_y()
        end = pdf.text_block(10, description_width - 2, [line.description], 4.5)
        pdf.set_y(top)
        x = 10.0 + description_width
        vat = "vrijgesteld" if line.vat_category is VatCategory.exempt else f"{line.vat_rate_bp / 100:g}%"
        values = (str(line.quantity), money(line.unit_price_cents), vat, money(line.amount_cents))
        for (_, width), value in zip(LINE_COLUMNS[1:], values, strict=True):
            pdf.set_xy(x, top)
            pdf.cell(width, 4.5, _printable(value), align="R")
            x += width
        pdf.set_y(max(end, top + 4.5) + 1.5)


def _totals(pdf: _Pdf, document: Document) -> None:
    pdf.ln(2)
    pdf.set_font("Helvetica", size=10)
    rows = [("Subtotaal excl. btw", document.net_cents)]
    for part in document.vat_breakdown():
        label = "Btw vrijgesteld" if part.category is VatCategory.exempt else f"Btw {part.rate_bp / 100:g}%"
        rows.append((f"{label} over {money(part.taxable_cents)}", part.tax_cents))
    rows.append(
        ("Totaal" if document.kind is DocumentKind.invoice else "Totaal creditnota", document.total_cents)
    )
    for label, cents in rows:
        top = pdf.get_y()
        pdf.text_block(10, PAGE_WIDTH - 40, [label])
        pdf.set_xy(10 + PAGE_WIDTH - 40, top)
        pdf.cell(40, 5, _printable(money(cents)), align="R", new_x="LMARGIN", new_y="NEXT")


def _exemption(pdf: _Pdf, document: Document) -> None:
    reasons = [b.exemption_reason for b in document.vat_breakdown() if b.exemption_reason]
    if reasons:
        pdf.ln(2)
        pdf.set_font("Helvetica", "I", 9)
        pdf.text_block(10, PAGE_WIDTH, reasons, 4.5)


def _payment(pdf: _Pdf, document: Document, entity: dict[str, Any]) -> None:
    pdf.ln(3)
    pdf.set_font("Helvetica", size=10)
    holder = entity.get("account_holder") or entity.get("name") or ""
    account = ""
    if entity.get("iban"):
        account = f"IBAN {grouped_iban(entity['iban'])} t.n.v. {holder}"
        if entity.get("bic"):
            account += f", BIC {entity['bic']}"
    if document.kind is DocumentKind.invoice:
        lines = [
            f"Graag {money(document.total_cents)} voor {datum(document.due_date)} overmaken"
            + (f" op {account}." if account else "."),
            f"Betalingskenmerk: {document.number}",
        ]
    else:
        lines = [
            f"Dit bedrag verrekenen wij met factuur {document.credited_number}; "
            "is die al betaald, dan betalen wij het aan u terug.",
            f"Ons rekeningnummer: {account}" if account else "",
            f"Kenmerk: {document.number}",
        ]
    pdf.text_block(10, PAGE_WIDTH, lines)
