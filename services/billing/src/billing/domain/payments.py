"""Payment status of an invoice, and reading bank statement lines into proposed bookings."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from enum import StrEnum

from pydantic import BaseModel


class PaymentStatus(StrEnum):
    open = "open"
    partly_paid = "partly_paid"
    paid = "paid"
    overdue = "overdue"
    credited = "credited"


def payment_status(total_cents: int, credited_cents: int, paid_cents: int, due: date, today: date) -> str:
    outstanding = total_cents - credited_cents - paid_cents
    if total_cents - credited_cents <= 0:
        return PaymentStatus.credited
    if outstanding <= 0:
        return PaymentStatus.paid
    if due < today:
        return PaymentStatus.overdue
    if paid_cents > 0:
        return PaymentStatus.partly_paid
    return PaymentStatus.open


def ageing_bucket(due: date, today: date) -> str:
    days = (today - due).days
    if days <= 0:
        return "not_due"
    if days <= 30:
        return "1_30"
    if days <= 60:
        return "31_60"
    if days <= 90:
        return "61_90"
    return "over_90"


AGEING_BUCKETS = ("not_due", "1_30", "31_60", "61_90", "over_90")


class StatementLine(BaseModel):
    row: int
    booking_date: date
    amount_cents: int
    reference: str
    counterparty: str


class StatementError(ValueError):
    def __init__(self, row: int, message: str) -> None:
        super().__init__(f"row {row}: {message}")
        self.row = row


_AMOUNT = re.compile(r"^-?\d+([.,]\d{1,2})?$")


def parse_amount_cents(text: str) -> int:
    """'1234,56' or '1234.56' or '1.234,56' -> 123456 (no floats on the way)."""
    cleaned = text.strip().replace(" ", "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "")
    cleaned = cleaned.replace(",", ".")
    if not _AMOUNT.match(cleaned):
        raise ValueError(f"not an amount: {text!r}")
    negative = cleaned.startswith("-")
    whole, _, fraction = cleaned.lstrip("-").partition(".")
    cents = int(whole) * 100 + int((fraction + "00")[:2])
    return -cents if negative else cents


REQUIRED_COLUMNS = ("date", "amount", "reference")


def parse_statement_csv(text: str, max_rows: int = 5000) -> list[StatementLine]:
    """CSV with header date,amount,reference[,counterparty]; ; or , separated."""
    sample = text[:2000]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise StatementError(1, f"missing columns: {', '.join(missing)}")
    lines = []
    for index, raw in enumerate(reader, start=2):
        if index - 1 > max_rows:
            raise StatementError(index, f"more than {max_rows} rows")
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        try:
            booking = date.fromisoformat(row["date"])
            amount = parse_amount_cents(row["amount"])
        except ValueError as error:
            raise StatementError(index, str(error)) from None
        lines.append(
            StatementLine(
                row=index,
                booking_date=booking,
                amount_cents=amount,
                reference=row["reference"][:200],
                counterparty=row.get("counterparty", "")[:200],
            )
        )
    return lines


_NUMBER_PATTERN = re.compile(r"[A-Z0-9]{2,10}-(?:PRV|PUB)-\d{4}-\d{6}")


def invoice_numbers_in(reference: str) -> list[str]:
    """Invoice numbers a payer quoted in the payment reference."""
    return _NUMBER_PATTERN.findall(reference.upper())
