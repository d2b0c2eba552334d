"""Invoices and credit notes: totals add up, one ledger per document, gapless numbering."""

import asyncio
from collections import defaultdict
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

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
from billing.store import allocate_number
from billing.usecases.issuing import issue
from llo_shared.mongo import MemoryDatabase

PARTY = Party(
    payer_id="KVK-39084217",
    name="Zorggroep Almere",
    scheme="0106",
    endpoint="39084217",
    street="Hospitaalweg 1",
    city="Almere",
    postcode="1315 RA",
)
CAUSE = Cause(kind=CauseKind.manual)

vat = st.sampled_from([(VatCategory.exempt, 0), (VatCategory.standard, 2100), (VatCategory.standard, 900)])
lines = st.lists(
    st.builds(
        lambda quantity, price, category_rate: Line(
            description="Extra begeleiding",
            quantity=quantity,
            unit_price_cents=price,
            ledger=Ledger.privaat,
            vat_category=category_rate[0],
            vat_rate_bp=category_rate[1],
            cause=CAUSE,
        ),
        st.integers(1, 50),
        st.integers(0, 10**7),
        vat,
    ),
    min_size=1,
    max_size=20,
)


def document(
    document_lines,
    ledger=Ledger.privaat,
    document_id="D1",
    issue_date=date(2026, 9, 1),
    entity="BRIN-25LH",
):
    return Document(
        document_id=document_id,
        kind=DocumentKind.invoice,
        entity_id=entity,
        ledger=ledger,
        payer=PARTY,
        buyer_reference="COH-1",
        issue_date=issue_date,
        due_date=issue_date,
        lines=document_lines,
    )


@given(lines)
def test_lines_add_up_to_the_totals(document_lines):
    invoice = document(document_lines)
    assert invoice.net_cents == sum(line.quantity * line.unit_price_cents for line in document_lines)
    breakdown = invoice.vat_breakdown()
    assert sum(b.taxable_cents for b in breakdown) == invoice.net_cents
    assert invoice.total_cents == invoice.net_cents + sum(b.tax_cents for b in breakdown)


@given(st.lists(st.sampled_from(list(Ledger)), min_size=2, max_size=10).filter(lambda ls: len(set(ls)) > 1))
def test_no_document_mixes_ledgers(ledgers):
    mixed = [Line(description="x", unit_price_cents=100, ledger=ledger, cause=CAUSE) for ledger in ledgers]
    with pytest.raises(ValidationError, match="cannot hold"):
        document(mixed, ledger=ledgers[0])


def test_a_credit_note_must_reference_an_invoice():
    with pytest.raises(ValueError, match="references"):
        Document(
            document_id="C1",
            kind=DocumentKind.credit_note,
            entity_id="BRIN-25LH",
            ledger=Ledger.privaat,
            payer=PARTY,
            buyer_reference="x",
            issue_date=date(2026, 1, 1),
            due_date=date(2026, 1, 1),
            lines=[Line(description="x", unit_price_cents=1, ledger=Ledger.privaat, cause=CAUSE)],
        )


series = st.tuples(
    st.sampled_from(["BRIN-25LH", "BRIN-30RR"]),
    st.sampled_from(list(Ledger)),
    st.sampled_from([2026, 2027]),
)


@settings(max_examples=40, deadline=None)
@given(
    plan=st.lists(st.tuples(series, st.booleans(), st.booleans()), min_size=1, max_size=40),
)
def test_numbering_has_no_gaps_even_with_crashes_and_redeliveries(plan):
    """Each step issues a document; some crash after taking a number (retried later), some
    are delivered twice. Every series (entity, ledger, year) ends up numbered 1..n exactly."""

    async def run():
        db = MemoryDatabase("numbering")
        crashed = []
        issued_ids = []
        for index, ((entity, ledger, year), crash, redeliver) in enumerate(plan):
            line = Line(description="Licentievergoeding", unit_price_cents=1000, ledger=ledger, cause=CAUSE)
            doc = document([line], ledger, f"D{index}", date(year, 6, 1), entity)
            if crash:
                await allocate_number(db, f"{entity}|{ledger.value}|invoice|{year}", doc.document_id)
                crashed.append(doc)
                continue
            await issue(db, doc)
            issued_ids.append(doc.document_id)
            if redeliver:
                await issue(db, doc)
        for doc in crashed:  # the retries after the crashes
            await issue(db, doc)
        stored = await db["documents"].find({}).to_list(None)
        numbers = defaultdict(list)
        for d in stored:
            numbers[(d["entity_id"], d["ledger"], d["year"])].append(d["sequence"])
        assert len(stored) == len(plan)
        for sequence in numbers.values():
            assert sorted(sequence) == list(range(1, len(sequence) + 1))
        assert len({d["number"] for d in stored}) == len(stored)

    asyncio.run(run())
