"""UBL 2.1 invoices and credit notes following Peppol BIS Billing 3.0, built with lxml.

Element order follows the UBL 2.1 schemas (an XSD sequence), the content the Peppol rules:
buyer reference, endpoint ids with their EAS scheme (0106 KvK, 0190 OIN), one VAT category
per line with the exemption reason where exempt, the ledger in AccountingCost, and for a
credit note type 381 with a reference to the invoice it corrects. A private person's invoice
follows EN 16931 itself (see `_for_a_private_person`). Every text is cleaned of control
characters on the way out (`einvoice.text`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from billing.domain.invoices import Document, DocumentKind, Party, VatCategory
from billing.domain.money import decimal_string
from billing.domain.text import clean
from billing.usecases.payers import lacking

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

PEPPOL_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
NLCIUS_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0"
EN16931_CUSTOMIZATION = "urn:cen.eu:en16931:2017"  # the norm itself: a private person's invoice
PEPPOL_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
UNIT_ONE = "C62"  # UN/ECE rec 20: "one" (a seat, a service)
CREDIT_TRANSFER_SEPA = "58"
KVK_SCHEME = "0106"
EMAIL_SCHEME = "EM"  # EAS code list (EN 16931): electronic mail


@dataclass(frozen=True)
class Seller:
    """The legal entity issuing the document, as finance keeps it in the entity settings."""

    name: str
    kvk: str
    vat_number: str
    street: str
    city: str
    postcode: str
    iban: str | None = None
    country: str = "NL"

    @classmethod
    def of(cls, entity: dict[str, Any]) -> Seller:
        missing = [f for f in ("kvk", "vat_number", "street", "city", "postcode") if not entity.get(f)]
        if missing:
            raise IncompleteParty(f"entity {entity.get('_id')} lacks {', '.join(missing)} for an e-invoice")
        return cls(
            name=entity.get("name") or entity["_id"],
            kvk=entity["kvk"],
            vat_number=entity["vat_number"],
            street=entity["street"],
            city=entity["city"],
            postcode=entity["postcode"],
            iban=entity.get("iban"),
        )


class IncompleteParty(ValueError):
    """An e-invoice needs addresses and electronic addresses the document does not have."""


def _el(parent: etree._Element, ns: str, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{name}", **{k: clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = clean(text)  # a control character would make the XML unwritable
    return element


def cbc(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    return _el(parent, NS_CBC, name, text, **attrs)


def cac(parent: etree._Element, name: str) -> etree._Element:
    return _el(parent, NS_CAC, name)


def amount(parent: etree._Element, name: str, cents: int, currency: str) -> None:
    cbc(parent, name, decimal_string(cents), currencyID=currency)


def percent(rate_bp: int) -> str:
    return f"{rate_bp // 100}.{rate_bp % 100:02d}"


def build(
    document: Document,
    seller: Seller,
    buyer: Party | None = None,
    customization: str = PEPPOL_CUSTOMIZATION,
) -> bytes:
    """The UBL XML of `document` (numbered). `buyer` may complete the party stored on the document."""
    if document.number is None:
        raise ValueError("only a numbered document can be exported")
    buyer = buyer or document.payer
    missing = lacking(buyer)
    if missing:  # an invoice issued before the register existed, say: no invalid e-invoice leaves
        raise IncompleteParty(f"payer {buyer.payer_id} lacks {', '.join(missing)} for an e-invoice")
    if buyer.kind == "participant" and not buyer.scheme:
        customization = _for_a_private_person(customization)
    elif not buyer.scheme or not buyer.endpoint:
        raise IncompleteParty(f"payer {buyer.payer_id} has no electronic address (scheme 0106 or 0190)")
    credit = document.kind is DocumentKind.credit_note
    root_ns = NS_CREDIT_NOTE if credit else NS_INVOICE
    root = etree.Element(
        f"{{{root_ns}}}{'CreditNote' if credit else 'Invoice'}",
        nsmap={None: root_ns, "cac": NS_CAC, "cbc": NS_CBC},
    )
    cbc(root, "CustomizationID", customization)
    cbc(root, "ProfileID", PEPPOL_PROFILE)
    cbc(root, "ID", document.number)
    cbc(root, "IssueDate", document.issue_date.isoformat())
    if not credit:
        cbc(root, "DueDate", document.due_date.isoformat())
    cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", "381" if credit else "380")
    cbc(root, "DocumentCurrencyCode", document.currency)
    cbc(root, "BuyerReference", document.buyer_reference)
    if credit:
        reference = cac(cac(root, "BillingReference"), "InvoiceDocumentReference")
        cbc(reference, "ID", document.credited_number or document.credited_document_id)
        if document.credited_issue_date:
            cbc(reference, "IssueDate", document.credited_issue_date.isoformat())
    _supplier(cac(root, "AccountingSupplierParty"), seller)
    _customer(cac(root, "AccountingCustomerParty"), buyer)
    _payment(root, document, seller)
    _tax_total(root, document)
    _monetary_total(root, document)
    for index, line in enumerate(document.lines, start=1):
        _line(root, document, index, line, credit)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _address(party: etree._Element, street: str, city: str, postcode: str, country: str) -> None:
    address = cac(party, "PostalAddress")
    if street:
        cbc(address, "StreetName", street)
    if city:
        cbc(address, "CityName", city)
    if postcode:
        cbc(address, "PostalZone", postcode)
    cbc(cac(address, "Country"), "IdentificationCode", country)


def _supplier(holder: etree._Element, seller: Seller) -> None:
    party = cac(holder, "Party")
    cbc(party, "EndpointID", seller.kvk, schemeID=KVK_SCHEME)
    cbc(cac(party, "PartyName"), "Name", seller.name)
    _address(party, seller.street, seller.city, seller.postcode, seller.country)
    tax = cac(party, "PartyTaxScheme")
    cbc(tax, "CompanyID", seller.vat_number)
    cbc(cac(tax, "TaxScheme"), "ID", "VAT")
    legal = cac(party, "PartyLegalEntity")
    cbc(legal, "RegistrationName", seller.name)
    cbc(legal, "CompanyID", seller.kvk, schemeID=KVK_SCHEME)


def _for_a_private_person(customization: str) -> str:
    """A private person is no Peppol participant (no KvK or OIN, no Peppol id) and SI-UBL 2.0
    wants a KvK or OIN of every Dutch buyer (BR-NL-10): their e-invoice follows EN 16931 itself,
    with the e-mail address as electronic address where known. It is kept and mailed, not sent
    over Peppol."""
    if customization == NLCIUS_CUSTOMIZATION:
        raise IncompleteParty(
            "SI-UBL 2.0 (NLCIUS) needs a KvK or OIN number of a Dutch buyer (BR-NL-10), which a "
            "private person does not have: use the EN 16931 e-invoice or the PDF"
        )
    return EN16931_CUSTOMIZATION


def _customer(holder: etree._Element, buyer: Party) -> None:
    party = cac(holder, "Party")
    if buyer.scheme and buyer.endpoint:
        cbc(party, "EndpointID", buyer.endpoint, schemeID=buyer.scheme)
    elif buyer.email:
        cbc(party, "EndpointID", buyer.email, schemeID=EMAIL_SCHEME)
    cbc(cac(party, "PartyName"), "Name", buyer.name)
    _address(party, buyer.street, buyer.city, buyer.postcode, buyer.country)
    legal = cac(party, "PartyLegalEntity")
    cbc(legal, "RegistrationName", buyer.name)
    if buyer.scheme and buyer.endpoint:  # a private person has no KvK or OIN (NL-R-005 then is silent)
        cbc(legal, "CompanyID", buyer.endpoint, schemeID=buyer.scheme)


def _payment(root: etree._Element, document: Document, seller: Seller) -> None:
    if not seller.iban:
        return
    means = cac(root, "PaymentMeans")
    cbc(means, "PaymentMeansCode", CREDIT_TRANSFER_SEPA)
    cbc(means, "PaymentID", document.number)
    cbc(cac(means, "PayeeFinancialAccount"), "ID", seller.iban)
    if document.kind is DocumentKind.invoice:
        cbc(
            cac(root, "PaymentTerms"),
            "Note",
            f"Betalen voor {document.due_date.isoformat()} o.v.v. {document.number}",
        )


def _tax_total(root: etree._Element, document: Document) -> None:
    total = cac(root, "TaxTotal")
    amount(total, "TaxAmount", document.vat_cents, document.currency)
    for part in document.vat_breakdown():
        subtotal = cac(total, "TaxSubtotal")
        amount(subtotal, "TaxableAmount", part.taxable_cents, document.currency)
        amount(subtotal, "TaxAmount", part.tax_cents, document.currency)
        category = cac(subtotal, "TaxCategory")
        cbc(category, "ID", part.category.value)
        cbc(category, "Percent", percent(part.rate_bp))
        if part.category is VatCategory.exempt:
            cbc(category, "TaxExemptionReason", part.exemption_reason)
        cbc(cac(category, "TaxScheme"), "ID", "VAT")


def _monetary_total(root: etree._Element, document: Document) -> None:
    totals = cac(root, "LegalMonetaryTotal")
    amount(totals, "LineExtensionAmount", document.net_cents, document.currency)
    amount(totals, "TaxExclusiveAmount", document.net_cents, document.currency)
    amount(totals, "TaxInclusiveAmount", document.total_cents, document.currency)
    amount(totals, "PayableAmount", document.total_cents, document.currency)


def _line(root: etree._Element, document: Document, index: int, line: Any, credit: bool) -> None:
    element = cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    cbc(element, "ID", str(index))
    cbc(
        element,
        "CreditedQuantity" if credit else "InvoicedQuantity",
        str(line.quantity),
        unitCode=UNIT_ONE,
    )
    amount(element, "LineExtensionAmount", line.amount_cents, document.currency)
    cbc(element, "AccountingCost", line.accounting_cost)
    item = cac(element, "Item")
    cbc(item, "Name", line.description)
    category = cac(item, "ClassifiedTaxCategory")
    cbc(category, "ID", line.vat_category.value)
    cbc(category, "Percent", percent(line.vat_rate_bp))
    cbc(cac(category, "TaxScheme"), "ID", "VAT")
    price = cac(element, "Price")
    amount(price, "PriceAmount", line.unit_price_cents, document.currency)
