"""Generated UBL passes the UBL 2.1 XSD and the official Peppol BIS 3 (and SI-UBL) rules.

The rule files come from Maven Central via tools/fetch_validation_artifacts.sh (cached in
.cache/einvoice); if they cannot be fetched these tests FAIL with the reason, never skip."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from billing.domain.invoices import (
    Cause,
    CauseKind,
    Document,
    DocumentKind,
    Line,
    Party,
    VatCategory,
)
from billing.domain.ledgers import Ledger
from billing.einvoice.pdf import Training, render_pdf
from billing.einvoice.ubl import NLCIUS_CUSTOMIZATION, IncompleteParty, Seller, build
from services.billing.tests.pdf_text import missing_fields, pdf_text

SELLER = Seller(
    name="ROC van Flevoland",
    kvk="39082468",
    vat_number="NL001234567B01",
    street="Educatorenweg 2",
    city="Almere",
    postcode="1325 AA",
    iban="NL91ABNA0417164300",
)
EMPLOYER = Party(
    payer_id="KVK-39084217",
    kind="employer",
    name="Zorggroep Almere",
    scheme="0106",
    endpoint="39084217",
    street="Hospitaalweg 1",
    city="Almere",
    postcode="1315 RA",
)
GEMEENTE = Party(
    payer_id="OIN-00000001002306608000",
    kind="gemeente",
    name="Gemeente Almere",
    scheme="0190",
    endpoint="00000001002306608000",
    street="Stadhuisplein 1",
    city="Almere",
    postcode="1315 HR",
)


def seat_line(price=250_000, category=VatCategory.exempt, rate=0, kind=CauseKind.private_seat):
    return Line(
        description="Opleidingsplaats Helpende Zorg & Welzijn, uitvoering COH-1",
        unit_price_cents=price,
        ledger=Ledger.privaat,
        vat_category=category,
        vat_rate_bp=rate,
        cost_centre="COH-1",
        cause=Cause(kind=kind, event_id="6d1f0c3e-0000-4000-8000-000000000001"),
    )


def invoice(payer=EMPLOYER, lines=None):
    return Document(
        document_id="seat|ENR-1|KVK-39084217",
        kind=DocumentKind.invoice,
        entity_id="BRIN-25LH",
        ledger=Ledger.privaat,
        payer=payer,
        buyer_reference="COH-1",
        issue_date=date(2026, 9, 1),
        due_date=date(2026, 10, 1),
        lines=lines or [seat_line()],
        number="25LH-PRV-2026-000001",
        cohort_id="COH-1",
    )


def credit_note():
    return Document(
        document_id="credit|surcharge|COH-1|KVK-39084217|x",
        kind=DocumentKind.credit_note,
        entity_id="BRIN-25LH",
        ledger=Ledger.privaat,
        payer=GEMEENTE,
        buyer_reference="COH-1",
        issue_date=date(2026, 9, 20),
        due_date=date(2026, 9, 20),
        lines=[seat_line(187_500, kind=CauseKind.surcharge_recomputation)],
        number="25LH-PRV-CN-2026-000001",
        credited_document_id="surcharge|COH-1|OIN-00000001002306608000",
        credited_number="25LH-PRV-2026-000008",
        credited_issue_date=date(2026, 9, 15),
    )


def assert_valid(validator, xml, customization="peppol"):
    assert validator.xsd_errors(xml) == []
    for rule_set, report in validator.schematron(xml, customization).items():
        assert report.fatal == [], f"{rule_set}: {report.fatal}"


def test_invoice_passes_xsd_and_peppol_bis3(validator):
    assert_valid(validator, build(invoice(), SELLER))


def test_mixed_vat_invoice_to_a_gemeente_passes(validator):
    lines = [seat_line(), seat_line(12_345, VatCategory.standard, 2100, CauseKind.manual)]
    assert_valid(validator, build(invoice(GEMEENTE, lines), SELLER))


def test_credit_note_passes_xsd_and_peppol_bis3(validator):
    assert_valid(validator, build(credit_note(), SELLER))


def test_nlcius_variant_passes_si_ubl(validator):
    assert_valid(validator, build(invoice(), SELLER, customization=NLCIUS_CUSTOMIZATION), "nlcius")
    assert_valid(validator, build(credit_note(), SELLER, customization=NLCIUS_CUSTOMIZATION), "nlcius")


def test_the_validator_does_catch_a_broken_invoice(validator):
    """Guards the guard: without a buyer reference and with wrong totals the rules must fire."""
    xml = build(invoice(), SELLER)
    root = etree.fromstring(xml)
    ns = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    root.find("cbc:BuyerReference", ns).getparent().remove(root.find("cbc:BuyerReference", ns))
    root.find(".//cbc:PayableAmount", ns).text = "1.00"
    reports = validator.schematron(etree.tostring(root))
    rules = {f.rule for report in reports.values() for f in report.fatal}
    assert "PEPPOL-EN16931-R003" in rules
    assert "BR-CO-16" in rules


def test_ubl_carries_what_finance_needs():
    root = etree.fromstring(build(credit_note(), SELLER))
    ns = {
        "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
        "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    }
    assert root.findtext("cbc:CreditNoteTypeCode", namespaces=ns) == "381"
    assert root.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=ns) == (
        "25LH-PRV-2026-000008"
    )
    endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", ns)
    assert endpoint.get("schemeID") == "0190"
    assert root.findtext("cac:CreditNoteLine/cbc:AccountingCost", namespaces=ns) == "privaat/COH-1"
    assert root.findtext(".//cac:TaxCategory/cbc:TaxExemptionReason", namespaces=ns)


def test_a_payer_without_electronic_address_gets_no_ubl():
    participant = Party(payer_id="PREF-1", kind="participant", name="Deelnemer")
    with pytest.raises(IncompleteParty):
        build(invoice(participant), SELLER)


# PDF ------------------------------------------------------------------------------------

SELLER_ENTITY = {
    "_id": "BRIN-25LH",
    "name": "ROC van Flevoland",
    "kvk": SELLER.kvk,
    "vat_number": SELLER.vat_number,
    "street": SELLER.street,
    "city": SELLER.city,
    "postcode": SELLER.postcode,
    "iban": SELLER.iban,
    "bic": "ABNANL2A",
    "account_holder": "Stichting ROC van Flevoland",
}
TRAINING = Training("Helpende Zorg & Welzijn (derde leerweg)", date(2026, 10, 1), date(2027, 3, 31))
LONG_TEXT = (
    "Opleidingsplaats Helpende Zorg & Welzijn (derde leerweg) met praktijkbegeleiding op de werkvloer, "
    "examengeld en lesmateriaal, uitvoering COH-1 in Almere, start oktober"
)


def long_line() -> Line:
    return seat_line().model_copy(update={"description": LONG_TEXT})


def view_of(document: Document) -> dict:
    """The fields of the API's document view that the PDF check reads."""
    body = document.model_dump(mode="json")
    for line, model in zip(body["lines"], document.lines, strict=True):
        line["amount_cents"] = model.amount_cents
    return body | {"total_cents": document.total_cents}


@pytest.mark.parametrize(
    "document",
    [
        invoice(),  # exempt: every such PDF was an HTTP 500
        invoice(
            GEMEENTE,
            [
                seat_line(250_000).model_copy(update={"description": LONG_TEXT}),
                seat_line(12_345, VatCategory.standard, 2100),
            ],
        ),
        credit_note(),
    ],
    ids=["exempt invoice", "mixed VAT invoice to a gemeente", "credit note"],
)
def test_the_pdf_of_every_document_kind_holds_what_a_finance_office_needs(document):
    buyer = document.payer
    content = render_pdf(document, SELLER_ENTITY, buyer, TRAINING)
    text = pdf_text(content)
    expected_buyer = buyer.model_dump() | {"kvk": buyer.endpoint if buyer.scheme == "0106" else None}
    training = (TRAINING.name, "2026-10-01", "2027-03-31")
    assert missing_fields(text, view_of(document), SELLER_ENTITY, expected_buyer, training) == []


def test_a_long_line_text_is_wrapped_whole_in_the_pdf_and_the_ubl():
    document = invoice(lines=[long_line()])
    assert pdf_text(render_pdf(document, SELLER_ENTITY, EMPLOYER)).count(LONG_TEXT) == 1
    root = etree.fromstring(build(document, SELLER))
    assert root.findtext("{*}InvoiceLine/{*}Item/{*}Name") == LONG_TEXT


def test_amounts_in_the_pdf_are_dutch():
    lines = [seat_line(125_000_00)]
    text = pdf_text(render_pdf(invoice(lines=lines), SELLER_ENTITY, EMPLOYER))
    assert "€ 125.000,00" in text and "1 september 2026" in text
