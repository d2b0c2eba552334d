"""The glossary's words on the finance pages (../shared/GLOSSARY.md, Billing): one mapping each,
given to every template (`install`)."""

from __future__ import annotations

from billing.domain.money import format_eur
from billing.pages.names import training_name
from billing.usecases.consortium import KIND_LABELS as CONSORTIUM_KIND_LABELS
from llo_shared.pages import Pages

STATUS_LABELS = {
    "open": "openstaand",
    "partly_paid": "deels betaald",
    "paid": "betaald",
    "overdue": "te laat",
    "credited": "gecrediteerd",
    "overpaid": "te veel betaald",
    "issued": "uitgegeven",
}
CAUSE_LABELS = {
    "private_seat": "private opleidingsplaats",
    "surcharge": "lege-stoelentoeslag",
    "surcharge_recomputation": "herberekening toeslag",
    "withdrawal": "uitschrijving",
    "cohort_cancelled": "startmoment gaat niet door",
    "manual": "handmatig",
    "consortium_cost": "gedeelde kosten consortium",
}
# The event a line was billed on, as a person reads it; the event's name itself is English code.
EVENT_LABELS = {
    "ParticipantEnrolled": "deelnemer ingeschreven",
    "EnrolmentWithdrawn": "deelnemer afgemeld",
    "CohortScheduled": "startmoment gepland",
    "CohortUpdated": "startmoment gewijzigd",
    "SeatReserved": "plaats bezet",
    "SeatReleased": "plaats vrijgekomen",
    "CohortConfirmed": "startmoment gaat door",
    "CohortCancelled": "startmoment gaat niet door",
}
LEDGER_LABELS = {"publiek": "publieke middelen", "privaat": "private middelen"}
# Cost centres that are no start moment: the reasons of a manual invoice and the shared costs.
COST_CENTRE_LABELS = {"extra_begeleiding": "Extra begeleiding", "other": "Overig"} | CONSORTIUM_KIND_LABELS


def install(pages: Pages) -> None:
    """Every template gets the words above, the euro filter and the training's name."""
    pages.templates.env.filters["eur"] = format_eur
    pages.templates.env.globals |= {
        "status_labels": STATUS_LABELS,
        "cause_labels": CAUSE_LABELS,
        "event_labels": EVENT_LABELS,
        "ledger_labels": LEDGER_LABELS,
        "cost_centre_labels": COST_CENTRE_LABELS,
        "training_name": training_name,
    }
