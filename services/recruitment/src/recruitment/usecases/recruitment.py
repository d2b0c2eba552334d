"""`Recruitment`: the one handle on every use case, for the API, the pages, the consumers and the
demo seeding. Each step loads an aggregate, asks the domain, and writes the new state with its
events in one single-document write; a concurrent change is retried on the fresh state."""

from __future__ import annotations

from recruitment.usecases.cohort_changes import CohortChanges
from recruitment.usecases.erasure import Erasure
from recruitment.usecases.placements import Placements


class Recruitment(CohortChanges, Placements, Erasure):
    """Campaigns (`campaigns`), applications and the funnel (`applications`), enrolment and the
    seat saga (`enrolment`), cohort changes and the cohort read model (`cohort_changes`), accepted
    placements (`placements`) and erasure (`erasure`)."""
