"""Bank statements read into credit entries: CAMT.053 (ISO 20022 BkToCstmrStmt, versions
001.02 and 001.08) and a simple CSV. Pure: text in, entries out, or a StatementError naming
where the file is wrong.

Every entry carries a key (statement id + entry reference) that stays the same when the same
statement is imported again, so a booking can be made exactly once per entry."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date

from lxml import etree
from pydantic import BaseModel

from billing.domain.payments import parse_amount_cents
from billing.domain.text import clean

CAMT053_NAMESPACES = {
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02": "camt.053.001.02",
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08": "camt.053.001.08",
}
MAX_ENTRIES = 5000
TEXT_LIMIT = 200
# A statement line above one billion euros is a typo or an attack, not a payment (and would not
# fit the store's 64-bit integers for long): refused with the row it is on.
MAX_AMOUNT_CENTS = 100_000_000_000


class StatementEntry(BaseModel):
    """One received amount (a credit on the provider's account)."""

    statement_id: str
    entry_reference: str
    position: str  # where in the file, for people: "rij 3", "Ntry 2"
    booking_date: date
    amount_cents: int
    currency: str
    remittance: str  # unstructured remittance info or structured creditor reference
    end_to_end_id: str = ""
    debtor_name: str = ""
    debtor_iban: str = ""

    @property
    def key(self) -> str:
        return f"{self.statement_id}|{self.entry_reference}"


class StatementError(ValueError):
    """The file cannot be read; `where` points at the row or entry, `field` at the part of the file,
    `dutch` says what is wrong for the import page (the API's problem keeps the English message)."""

    def __init__(self, where: str, message: str, field: str = "content", dutch: str = "") -> None:
        super().__init__(f"{where}: {message}")
        self.where, self.field, self.dutch = where, field, dutch

    @property
    def dutch_where(self) -> str:
        """ "rij 3", "post 2" (a CAMT.053 entry), "het afschrift", or "" for the whole file."""
        if self.where.startswith("Ntry "):
            return "post " + self.where.removeprefix("Ntry ")
        return {"document": "", "Stmt": "het afschrift"}.get(self.where, self.where)


# CAMT.053 ------------------------------------------------------------------------------


def parse_camt053(content: str | bytes) -> list[StatementEntry]:
    """Credit entries of every statement in a camt.053.001.02 or .08 document.

    Debit entries and entries not yet booked (status other than BOOK) are left out: only money
    that arrived can pay an invoice. An entry batching several transactions gives one entry per
    transaction, each with its own amount, reference and debtor."""
    root = _xml_root(content)
    namespace = etree.QName(root).namespace
    if namespace not in CAMT053_NAMESPACES:
        raise StatementError(
            "document",
            f"not a supported CAMT.053 version ({namespace or 'no namespace'})",
            dutch="Dit is geen CAMT.053-afschrift dat we kunnen lezen (versie 001.02 of 001.08).",
        )
    ns = {"c": namespace}
    statements = root.findall("c:BkToCstmrStmt/c:Stmt", ns)
    if not statements:
        raise StatementError(
            "document", "no BkToCstmrStmt/Stmt element", dutch="Er staat geen afschrift in dit bestand."
        )
    entries: list[StatementEntry] = []
    for statement in statements:
        statement_id = _text(statement, "c:Id", ns)
        if not statement_id:
            raise StatementError("Stmt", "statement without Id", dutch="Het afschrift heeft geen Id.")
        for number, entry in enumerate(statement.findall("c:Ntry", ns), start=1):
            entries += _credit_entries(entry, number, statement_id, ns)
            if len(entries) > MAX_ENTRIES:
                raise StatementError(
                    f"Ntry {number}",
                    f"more than {MAX_ENTRIES} entries",
                    dutch=f"Meer dan {MAX_ENTRIES} posten. Splits het afschrift in kleinere delen.",
                )
    return entries


def _xml_root(content: str | bytes) -> etree._Element:
    raw = content.encode("utf-8") if isinstance(content, str) else content
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(raw.strip(), parser)
    except etree.XMLSyntaxError as error:
        raise StatementError(
            "document",
            f"not well-formed XML ({error.msg})",
            dutch="Dit bestand is geen leesbaar XML-bestand. Download het afschrift opnieuw bij de bank.",
        ) from None


def _credit_entries(
    entry: etree._Element, number: int, statement_id: str, ns: dict[str, str]
) -> list[StatementEntry]:
    where = f"Ntry {number}"
    if _text(entry, "c:CdtDbtInd", ns) != "CRDT":
        return []
    status = _text(entry, "c:Sts/c:Cd", ns) or _text(entry, "c:Sts", ns)
    if status and status != "BOOK":
        return []
    amount, currency = _amount(entry.find("c:Amt", ns), where)
    booked_on = _booking_date(entry, ns, where)
    reference = _text(entry, "c:NtryRef", ns) or _text(entry, "c:AcctSvcrRef", ns) or f"ntry-{number}"
    transactions = entry.findall("c:NtryDtls/c:TxDtls", ns) or [None]
    entries = []
    for index, transaction in enumerate(transactions, start=1):
        tx_amount, tx_currency = amount, currency
        if len(transactions) > 1:
            tx_amount, tx_currency = _amount(_transaction_amount(transaction, ns), f"{where} TxDtls {index}")
        details = _transaction_details(transaction, ns)
        entries.append(
            StatementEntry(
                statement_id=statement_id[:TEXT_LIMIT],
                entry_reference=(reference if len(transactions) == 1 else f"{reference}/{index}")[
                    :TEXT_LIMIT
                ],
                position=where if len(transactions) == 1 else f"{where}.{index}",
                booking_date=booked_on,
                amount_cents=tx_amount,
                currency=tx_currency,
                **details,
            )
        )
    return entries


def _transaction_amount(transaction: etree._Element, ns: dict[str, str]) -> etree._Element | None:
    """.08 puts the amount in TxDtls/Amt, .02 in TxDtls/AmtDtls/TxAmt/Amt."""
    found = transaction.find("c:Amt", ns)
    return found if found is not None else transaction.find("c:AmtDtls/c:TxAmt/c:Amt", ns)


def _transaction_details(transaction: etree._Element | None, ns: dict[str, str]) -> dict[str, str]:
    if transaction is None:
        return {"remittance": ""}
    unstructured = " ".join((t.text or "").strip() for t in transaction.findall("c:RmtInf/c:Ustrd", ns))
    structured = " ".join(
        (t.text or "").strip() for t in transaction.findall("c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref", ns)
    )
    # .02: RltdPties/Dbtr/Nm; .08 wraps the party: RltdPties/Dbtr/Pty/Nm
    debtor = _text(transaction, "c:RltdPties/c:Dbtr/c:Nm", ns) or _text(
        transaction, "c:RltdPties/c:Dbtr/c:Pty/c:Nm", ns
    )
    end_to_end = _text(transaction, "c:Refs/c:EndToEndId", ns)
    return {
        "remittance": " ".join(p for p in (unstructured, structured) if p)[:TEXT_LIMIT],
        "end_to_end_id": "" if end_to_end == "NOTPROVIDED" else end_to_end[:TEXT_LIMIT],
        "debtor_name": debtor[:TEXT_LIMIT],
        "debtor_iban": _text(transaction, "c:RltdPties/c:DbtrAcct/c:Id/c:IBAN", ns)[:40],
    }


def _amount(element: etree._Element | None, where: str) -> tuple[int, str]:
    if element is None or not (element.text or "").strip():
        raise StatementError(where, "amount missing", field="Amt", dutch="Het bedrag ontbreekt.")
    cents = bounded_amount(element.text or "", where, "Amt")
    if cents <= 0:
        raise StatementError(
            where,
            "a credit entry has a positive amount",
            field="Amt",
            dutch="Een bijschrijving moet een bedrag hoger dan nul hebben.",
        )
    currency = element.get("Ccy", "")
    if len(currency) != 3 or not currency.isalpha():
        raise StatementError(
            where,
            f"currency {currency!r} is not a currency code",
            field="Ccy",
            dutch="De munteenheid is geen geldige code (zoals EUR).",
        )
    return cents, currency.upper()


def _booking_date(entry: etree._Element, ns: dict[str, str], where: str) -> date:
    text = _text(entry, "c:BookgDt/c:Dt", ns) or _text(entry, "c:BookgDt/c:DtTm", ns)[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise StatementError(
            where, f"booking date {text!r} is not a date", field="BookgDt", dutch="Geen geldige boekdatum."
        ) from None


def _text(element: etree._Element | None, path: str, ns: dict[str, str]) -> str:
    if element is None:
        return ""
    found = element.find(path, ns)
    return clean(found.text or "").strip() if found is not None else ""


# CSV -----------------------------------------------------------------------------------

CSV_REQUIRED = ("date", "amount", "reference")
CSV_OPTIONAL = ("counterparty", "iban", "currency", "end_to_end_id", "entry_reference", "statement_id")


def parse_statement_csv(text: str) -> list[StatementEntry]:
    """CSV with a header row, `;` or `,` separated (see README: bank statement CSV).

    Negative amounts are debits and left out. Without statement_id / entry_reference columns
    the key is derived from the row itself (plus how often the same row occurred before), so
    importing the same file again gives the same keys."""
    sample = text[:2000]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    # newline="": the csv module itself reads \n, \r\n and a bare \r (old Mac exports) as line ends
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    row_number = 1
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in CSV_REQUIRED if c not in header]
        if missing:
            raise StatementError(
                "rij 1",
                f"missing columns: {', '.join(missing)}",
                field="csv",
                dutch=f"De kolommen {', '.join(missing)} ontbreken. Nodig zijn: date, amount en reference.",
            )
        seen: dict[str, int] = {}
        entries = []
        for row_number, raw in enumerate(reader, start=2):
            if row_number - 1 > MAX_ENTRIES:
                raise StatementError(
                    f"rij {row_number}",
                    f"more than {MAX_ENTRIES} rows",
                    field="csv",
                    dutch=f"Meer dan {MAX_ENTRIES} regels. Splits het bestand in kleinere delen.",
                )
            # a control character (NUL, say) in a statement text is noise: FerretDB cannot even store it
            row = {k.strip().lower(): clean(v or "").strip() for k, v in raw.items() if isinstance(k, str)}
            entry = _csv_entry(row, row_number, seen)
            if entry is not None:
                entries.append(entry)
    except csv.Error as error:  # e.g. a NUL byte, or a quote left open
        raise StatementError(
            f"rij {row_number + 1}",
            f"not readable as CSV: {error}",
            field="csv",
            dutch="Deze regel is geen leesbare CSV (staat er bijvoorbeeld een aanhalingsteken te veel?).",
        ) from None
    return entries


def bounded_amount(text: str, where: str, field: str) -> int:
    """Cents of an amount in the file, refused (with where it is) if unreadable or absurd."""
    try:
        cents = parse_amount_cents(text)
    except ValueError:
        raise StatementError(
            where,
            f"not an amount: {text[:40]!r}",
            field=field,
            dutch=f'Het bedrag "{text[:40]}" kunnen we niet lezen. Schrijf het zoals 1234,56.',
        ) from None
    if abs(cents) > MAX_AMOUNT_CENTS:
        raise StatementError(
            where,
            "amount above EUR 1.000.000.000,00",
            field=field,
            dutch="Het bedrag is hoger dan € 1.000.000.000,00.",
        )
    return cents


def _csv_entry(row: dict[str, str], row_number: int, seen: dict[str, int]) -> StatementEntry | None:
    where = f"rij {row_number}"
    try:
        booked_on = date.fromisoformat(row["date"])
    except ValueError:
        raise StatementError(
            where,
            f"date {row['date']!r} is not YYYY-MM-DD",
            field="csv",
            dutch=f'De datum "{row["date"][:20]}" moet jjjj-mm-dd zijn, bijvoorbeeld 2026-11-30.',
        ) from None
    amount = bounded_amount(row["amount"], where, "csv")
    if amount <= 0:
        return None
    currency = (row.get("currency") or "EUR").upper()
    fingerprint = "|".join(row.get(c, "") for c in ("date", "amount", "reference", "counterparty", "iban"))
    occurrence = seen[fingerprint] = seen.get(fingerprint, 0) + 1
    derived = hashlib.sha256(f"{fingerprint}|{occurrence}".encode()).hexdigest()[:24]
    return StatementEntry(
        statement_id=(row.get("statement_id") or "csv")[:TEXT_LIMIT],
        entry_reference=(row.get("entry_reference") or derived)[:TEXT_LIMIT],
        position=where,
        booking_date=booked_on,
        amount_cents=amount,
        currency=currency[:3],
        remittance=row["reference"][:TEXT_LIMIT],
        end_to_end_id=row.get("end_to_end_id", "")[:TEXT_LIMIT],
        debtor_name=row.get("counterparty", "")[:TEXT_LIMIT],
        debtor_iban=row.get("iban", "")[:40],
    )
