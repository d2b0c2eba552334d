"""Names instead of ids on the invoice page (issue 10): its lines name the training and its start
date, as the documents do; only the buyer's reference, a code by nature, is marked as one."""

import re

from tests.fixtures import billing_events as ev

TRAINING = "Helpende Zorg &amp; Welzijn (derde leerweg), start 1 oktober 2026"


def read_text(html: str) -> str:
    """The page's main part as a person reads it: without tags and without what is marked as a
    code (translate="no", as tests/browser/test_every_page_fits.py reads pages)."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r'<([a-z]+)[^>]*translate="no"[^>]*>.*?</\1>', " ", main, flags=re.S)
    return re.sub(r"<[^>]+>", " ", main)


async def test_the_invoice_page_names_the_training_on_its_lines_and_nowhere_the_cohort_id(billing):
    await billing.feed(
        ev.provider_registered(), ev.offering_published(), ev.cohort(cohort_id="coh-helpende-1")
    )
    await billing.feed(ev.enrolled("ENR-1", cohort_id="coh-helpende-1"))
    [invoice] = await billing.documents(kind="invoice")
    page = await billing.client.get(f"/billing/facturen/{invoice['number']}", headers=billing.headers())
    assert page.status_code == 200
    text = read_text(page.text)
    assert f"Opleidingsplaats {TRAINING}" in text
    assert "coh-helpende-1" not in text  # the cost centre too is the training, not the id
    assert "coh-helpende-1" in page.text  # the buyer's reference, marked as a code
    assert "ENR-1" not in page.text and "ParticipantEnrolled" not in page.text  # no codes at all
    assert "private middelen" in text and "na: deelnemer ingeschreven" in text  # the glossary's words
