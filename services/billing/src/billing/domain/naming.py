"""How billing names a start moment (cohort) where a person reads it: on the lines of its invoices
and credit notes (so on the PDF and in the UBL too) and on its pages. One rule, so a clerk finds a
document's line under the same name on the pages; never the cohort's id."""

from __future__ import annotations

from datetime import date
from typing import Any

from llo_shared.dutch import datum

UNNAMED_TRAINING = "opleiding"  # the offering's title has not reached billing (yet)
# A document line holds 300 characters (invoices.Line); the texts around a name take up to ~110.
LONGEST_TITLE = 150


def training_label(title: str | None, start_date: date | str | None) -> str:
    """ "Helpende Zorg & Welzijn, start 01-10-2026"; the title alone when the start is not known."""
    name = (title or "").strip() or UNNAMED_TRAINING
    if len(name) > LONGEST_TITLE:
        name = name[: LONGEST_TITLE - 1].rstrip() + "…"
    return f"{name}, start {datum(start_date)}" if start_date else name


def cohort_label(cohort: dict[str, Any], offering: dict[str, Any] | None) -> str:
    """A cohort of billing's read model by its offering's title and its start date."""
    return training_label((offering or {}).get("title"), cohort.get("start_date"))
