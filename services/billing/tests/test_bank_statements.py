"""Reading bank statements (pure): CAMT.053 safely, CSV with stable entry keys."""

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.domain.bank_statements import StatementError, parse_camt053, parse_statement_csv
from billing.usecases.payments_import import guess_format

STATEMENTS = Path(__file__).parent / "statements"


def test_both_camt_versions_read_the_same_kind_of_entries():
    v02 = parse_camt053((STATEMENTS / "camt053_001_02.xml").read_bytes())
    v08 = parse_camt053((STATEMENTS / "camt053_001_08.xml").read_text())
    assert [e.amount_cents for e in v02] == [250_000, 100_000, 1_200]
    assert [e.amount_cents for e in v08] == [300_000, 200_000, 50_000, 10_000]
    assert v08[0].booking_date == date(2026, 9, 25) and v08[0].end_to_end_id == "ZGA-25LH-PRV-2026-000001"
    assert v08[1].remittance == "25LH-PRV-2026-000002", "a structured creditor reference counts as remittance"
    assert len({e.key for e in v02 + v08}) == 7


def test_external_entities_are_never_resolved():
    xml = (STATEMENTS / "camt053_001_02.xml").read_text()
    hostile = xml.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/hostname">]>',
    ).replace("bijdrage koffiepot", "&secret;")
    entries = parse_camt053(hostile)
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else "x" * 40
    assert all(hostname not in e.remittance for e in entries)


def test_a_statement_without_statements_is_refused():
    with pytest.raises(StatementError, match="Stmt"):
        parse_camt053('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>')


rows = st.lists(
    st.tuples(
        st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
        st.integers(min_value=-(10**8), max_value=10**8),
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789- ", max_size=30),
    ),
    max_size=30,
)


def euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


@settings(deadline=None)  # a shared machine: no timing in tests
@given(rows)
def test_csv_amounts_are_exact_and_keys_stable_and_distinct(lines):
    text = "date;amount;reference\n" + "".join(f"{d.isoformat()};{euros(c)};{r}\n" for d, c, r in lines)
    entries = parse_statement_csv(text)
    assert [e.amount_cents for e in entries] == [c for _, c, _ in lines if c > 0], "debits left out"
    assert [e.key for e in parse_statement_csv(text)] == [e.key for e in entries], "same file, same keys"
    assert len({e.key for e in entries}) == len(entries), "even identical rows get their own key"


def test_a_file_is_recognised_as_camt_or_csv_also_with_a_byte_order_mark():
    xml = (STATEMENTS / "camt053_001_08.xml").read_bytes()
    assert guess_format(b"\xef\xbb\xbf" + xml) == "camt053" and guess_format(xml.decode()) == "camt053"
    assert len(parse_camt053(b"\xef\xbb\xbf" + xml)) == 4
    assert guess_format(b"\xef\xbb\xbfdate;amount;reference\n") == "csv"
