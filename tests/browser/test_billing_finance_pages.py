"""Browser: a finance user of ROC van Flevoland sees both ledgers side by side, filters the
invoice list, opens an invoice with its lines traced to their cause, opens the cohort allocation
report, uploads a CAMT.053 bank statement, checks the preview, books it and sees the invoice paid;
then records a licence fee shared in the demo's FLEX consortium and opens a partner's invoice."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.fixtures.browser import launch_chromium

pytestmark = pytest.mark.browser
CAMT_053 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>BROWSER-TEST-1</MsgId><CreDtTm>2026-11-22T18:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>BROWSER-STMT-1</Id>
      <Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>
      <Ntry>
        <NtryRef>B-001</NtryRef>
        <Amt Ccy="EUR">{amount}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-11-22</Dt></BookgDt>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>E2E-B-001</EndToEndId></Refs>
          <RltdPties><Dbtr><Nm>Betaler uit de browsertest</Nm></Dbtr>
            <DbtrAcct><Id><IBAN>NL02RABO0123456789</IBAN></Id></DbtrAcct></RltdPties>
          <RmtInf><Ustrd>Betaling factuur {number}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <NtryRef>B-002</NtryRef>
        <Amt Ccy="EUR">12.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-11-22</Dt></BookgDt>
        <NtryDtls><TxDtls><RmtInf><Ustrd>zonder factuurnummer</Ustrd></RmtInf></TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def euros_for_camt(dutch: str) -> str:
    """'€ 1.190,70' as on the page -> '1190.70' as a bank writes it."""
    return dutch.replace("€", "").replace(".", "").replace(",", ".").strip()


def test_finance_user_checks_ledgers_invoices_allocation_and_books_a_bank_statement(demo, tmp_path: Path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(f"{demo}/billing/")
        page.select_option("#demo-user", "financien")
        page.get_by_role("button", name="Ga").click()

        # both ledgers, side by side
        public = page.get_by_role("heading", name="Grootboek publieke middelen")
        private = page.get_by_role("heading", name="Grootboek private middelen")
        expect(public).to_be_visible()
        expect(private).to_be_visible()
        left, right = public.bounding_box(), private.bounding_box()
        assert abs(left["y"] - right["y"]) < 5 and right["x"] > left["x"] + left["width"]

        # the demo's invoices arrive by events shortly after start
        rows = page.get_by_test_id("invoice-list").locator("tbody tr:has(a)")  # not the empty-list row
        for _ in range(60):
            page.goto(f"{demo}/billing/facturen?grootboek=privaat&status=open")
            if rows.count():
                break
            time.sleep(1)
        page.goto(f"{demo}/billing/facturen")
        page.select_option("#grootboek", "privaat")
        page.select_option("#status", "open")
        page.get_by_role("button", name="Filteren").click()
        expect(page).to_have_url(f"{demo}/billing/facturen?soort=invoice&grootboek=privaat&status=open")
        assert rows.count() > 0
        for status_cell in rows.locator("td:last-child").all_inner_texts():
            assert status_cell.strip() == "openstaand"
        first = rows.first
        number = first.locator("td").first.inner_text().strip()
        outstanding = first.locator("td").nth(6).inner_text()

        # an invoice with its lines traced to their cause
        first.get_by_role("link", name=number).click()
        expect(page.get_by_role("heading", name=f"Factuur {number}")).to_be_visible()
        expect(page.get_by_role("heading", name="Regels en hun oorzaak")).to_be_visible()
        expect(page.get_by_test_id("lines")).to_contain_text("na: ")  # the event, in Dutch

        # the cohort allocation report
        page.get_by_role("link", name="Toerekening per startmoment").click()
        expect(page.get_by_role("heading", name="Toerekening per startmoment")).to_be_visible()

        # a CAMT.053 statement: preview first, nothing booked yet
        statement = tmp_path / "afschrift.xml"
        statement.write_text(CAMT_053.format(amount=euros_for_camt(outstanding), number=number))
        page.get_by_role("link", name="Betalingen importeren").click()
        page.set_input_files("#bestand", str(statement))
        page.get_by_role("button", name="Voorstel maken").click()
        expect(page.get_by_role("status")).to_contain_text("Voorstel: 1 regel(s) boeken")
        expect(page.get_by_role("status")).to_contain_text("Niet herkend: 1")
        matched = page.get_by_test_id("import-preview").locator("tr[data-match=matched]")
        expect(matched).to_contain_text(number)
        expect(matched).to_contain_text("Betaler uit de browsertest")
        expect(matched.locator("td").nth(6)).to_have_text("betaald")
        expect(page.get_by_test_id("import-preview").locator("tr[data-match=unmatched]")).to_contain_text(
            "overslaan"
        )

        # confirm, and the invoice is paid
        page.get_by_role("button", name="Boeken").click()
        expect(page.get_by_role("status")).to_contain_text("Geboekt: 1 betaling(en)")
        page.get_by_test_id("import-preview").get_by_role("link", name=number).click()
        expect(page.get_by_role("heading", name=f"Factuur {number}")).to_be_visible()
        expect(page.locator(".badge").first).to_have_text("betaald")
        expect(page.get_by_role("heading", name="Betalingen")).to_be_visible()
        expect(page.get_by_text(f"Betaling factuur {number}")).to_be_visible()

        # a licence fee shared in the consortium: each other partner gets an invoice for its part
        page.get_by_role("link", name="Gedeelde kosten consortium").click()
        page.select_option("#consortium_id", "FLEX-ZORG-FLEVOLAND")
        page.select_option("#kind", "licence_fee")
        page.fill("#description", "Licentie leerplatform 2027")
        page.fill("#total", "999,99")
        for row, (partner, percent) in enumerate(
            [("BRIN-25LH", "50"), ("KVK-90011001", "33,33"), ("KVK-90011002", "16,67")], start=1
        ):
            page.select_option(f"#partner_{row}", partner)
            page.fill(f"#aandeel_{row}", percent)
        page.get_by_role("button", name="Vastleggen en factureren").click()
        recorded = page.get_by_role("status")
        expect(recorded).to_contain_text("Vastgelegd: Licentievergoeding")
        expect(recorded).to_contain_text("(eigen aandeel)")
        partner_invoices = recorded.get_by_role("link")
        expect(partner_invoices).to_have_count(2)
        partner_invoices.first.click()
        expect(page.get_by_test_id("lines")).to_contain_text("gedeelde kosten consortium")
        expect(page.get_by_test_id("lines")).to_contain_text("FLEX-ZORG-FLEVOLAND")
        browser.close()
