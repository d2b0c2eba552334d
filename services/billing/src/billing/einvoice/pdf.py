"""A readable PDF of an invoice or credit note (fpdf2, core fonts: no font files to ship)."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

from billing.domain.invoices import Document, DocumentKind, Party


def money(cents: int) -> str:
    # Core PDF fonts are Latin-1: write "EUR" rather than the euro sign.
    euros, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}EUR {euros:,}".replace(",", ".") + f",{rest:02d}"


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(document: Document, entity: dict[str, Any], payer: Party) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    title = "Creditnota" if document.kind is DocumentKind.credit_note else "Factuur"
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin1(f"{title} {document.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    seller = [
        entity.get("name") or entity["_id"],
        entity.get("street", ""),
        f"{entity.get('postcode', '')} {entity.get('city', '')}".strip(),
        f"KvK {entity.get('kvk') or '-'}  btw {entity.get('vat_number') or '-'}",
    ]
    buyer = [payer.name, payer.street, f"{payer.postcode} {payer.city}".strip(), payer.payer_id]
    for left, right in zip(seller, buyer, strict=True):
        pdf.cell(95, 5, _latin1(left or ""))
        pdf.cell(95, 5, _latin1(right or ""), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    facts = [
        ("Factuurdatum", document.issue_date.isoformat()),
        ("Vervaldatum", document.due_date.isoformat()),
        ("Administratie", f"{document.entity_id} / grootboek {document.ledger.value}"),
        ("Uw referentie", document.buyer_reference),
    ]
    if document.kind is DocumentKind.credit_note:
        facts.append(
            (
                "Correctie op factuur",
                document.credited_number or document.credited_document_id or "",
            )
        )
    for label, value in facts:
        pdf.cell(45, 5, _latin1(label))
        pdf.cell(0, 5, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 10)
    for text, width in (
        ("Omschrijving", 100),
        ("Aantal", 15),
        ("Prijs", 30),
        ("Btw", 15),
        ("Bedrag", 30),
    ):
        pdf.cell(width, 6, text, border="B")
    pdf.ln()
    pdf.set_font("Helvetica", size=9)
    for line in document.lines:
        vat = "vrij" if line.vat_category.value == "E" else f"{line.vat_rate_bp / 100:.0f}%"
        pdf.cell(100, 5, _latin1(line.description[:60]))
        pdf.cell(15, 5, str(line.quantity), align="R")
        pdf.cell(30, 5, money(line.unit_price_cents), align="R")
        pdf.cell(15, 5, vat, align="R")
        pdf.cell(30, 5, money(line.amount_cents), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", size=10)
    for label, cents in (
        ("Subtotaal", document.net_cents),
        ("Btw", document.vat_cents),
        ("Totaal", document.total_cents),
    ):
        pdf.cell(160, 6, label, align="R")
        pdf.cell(30, 6, money(cents), align="R", new_x="LMARGIN", new_y="NEXT")
    exempt = [b for b in document.vat_breakdown() if b.exemption_reason]
    if exempt:
        pdf.ln(2)
        pdf.set_font("Helvetica", "I", 8)
        pdf.multi_cell(0, 4, _latin1(exempt[0].exemption_reason or ""))
    if entity.get("iban") and document.kind is DocumentKind.invoice:
        pdf.set_font("Helvetica", size=9)
        pdf.multi_cell(
            0,
            5,
            _latin1(f"Gelieve te betalen op {entity['iban']} onder vermelding van {document.number}."),
        )
    return bytes(pdf.output())
