"""Payment status of an invoice (one rule for payments by hand and from bank statements),
ageing, amounts as banks write them, and invoice numbers quoted in a payment reference."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

# "overpaid": more received than due, the difference is owed back to the payer.
PaymentStatus = Literal["open", "partly_paid", "paid", "overdue", "credited", "overpaid"]


def payment_status(
    total_cents: int, credited_cents: int, paid_cents: int, due: date, today: date
) -> PaymentStatus:
    outstanding = total_cents - credited_cents - paid_cents
    if total_cents - credited_cents <= 0:
        return "credited"
    if outstanding < 0:
        return "overpaid"
    if outstanding == 0:
        return "paid"
    if due < today:
        return "overdue"
    if paid_cents > 0:
        return "partly_paid"
    return "open"


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


_NUMBER_PATTERN = re.compile(r"[A-Z0-9]{2,10}-(?:PRV|PUB)-\d{4}-\d{6}")


def invoice_numbers_in(reference: str) -> list[str]:
    """Invoice numbers a payer quoted in the payment reference."""
    return _NUMBER_PATTERN.findall(reference.upper())
