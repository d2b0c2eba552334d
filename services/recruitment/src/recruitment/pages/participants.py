"""Who takes part, per start moment of the provider: enrolled, requested and waitlisted (in the
order of the waitlist)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from llo_shared.pages import PagePrincipal
from llo_shared.problems import Problem
from recruitment.api.deps import RecruitmentDep, manages
from recruitment.pages.campaigns import open_cohorts_of
from recruitment.pages.common import refused, render

# Who a start moment's participants list shows, in this order.
PARTICIPANT_STAGES = ("enrolled", "enrolment_requested", "waitlisted")

router = APIRouter(include_in_schema=False)


@router.get("/recruitment/startmomenten", response_class=HTMLResponse)
async def cohorts_page(
    request: Request, principal: PagePrincipal, recruitment: RecruitmentDep
) -> HTMLResponse:
    if (answer := refused(request, principal, "Deelnemers per startmoment")) is not None:
        return answer
    cohorts = await open_cohorts_of(recruitment, principal)
    counts = await recruitment.store.stage_counts([c.cohort_id for c in cohorts])
    return render(
        request,
        "cohorts.html",
        principal,
        title="Deelnemers per startmoment",
        cohorts=cohorts,
        counts=counts,
    )


@router.get("/recruitment/startmomenten/{cohort_id}/deelnemers", response_class=HTMLResponse)
async def participants_page(
    request: Request, principal: PagePrincipal, recruitment: RecruitmentDep, cohort_id: str
) -> HTMLResponse:
    if (answer := refused(request, principal, "Deelnemers")) is not None:
        return answer
    assert principal is not None
    cohort = await recruitment.cohort(cohort_id)
    if cohort is None or not manages(principal, cohort.provider_id or ""):
        raise Problem(404, "not-found", "Startmoment niet gevonden")
    docs = await recruitment.store.applications_with_personal(
        {"cohort_id": cohort_id, "stage": {"$in": list(PARTICIPANT_STAGES)}}
    )
    groups = {
        stage: sorted(
            (d for d in docs if d["stage"] == stage),
            key=lambda d: ((d.get("enrolment") or {}).get("position") or 0, d["created_at"]),
        )
        for stage in PARTICIPANT_STAGES
    }
    return render(
        request,
        "participants.html",
        principal,
        title=f"Deelnemers: {cohort.label}",
        cohort=cohort,
        groups=groups,
    )
