"""The intake worklist: who is at which step (filters on course and step, a search box that also
finds the applicant's reference), each person's next step with scores, exemption, drop-out reason
or the funding of the seat, and the requests the catalogue refused for their funding."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from llo_shared.pages import PagePrincipal
from llo_shared.problems import Problem
from recruitment.api.deps import RecruitmentDep, manages
from recruitment.cohorts import CohortView, cohort_view
from recruitment.domain.application import Exemption, IntakeResult, Score
from recruitment.domain.funding import FundingKind
from recruitment.domain.funnel import DropOutReason, InvalidTransition, Stage, manual_next
from recruitment.pages.common import render
from recruitment.status_links import reference
from recruitment.usecases import FundingNotOffered, MissingInput, Recruitment

FUNDING_REFUSALS = {
    "funded_bol": "bekostigde plaatsen (BOL)",
    "funded_bbl": "bekostigde plaatsen (BBL)",
    "private": "private plaatsen",
}
FUNDING_REFUSED_NOTE = "seat rejected: funding_not_offered"
WORKLIST_STAGES = [
    Stage.interested,
    Stage.intake_planned,
    Stage.intake_done,
    Stage.admitted,
    Stage.waitlisted,
]

WORKLIST_ORDER = [("stage", 1), ("_id", 1)]  # which 500 the worklist reads first

router = APIRouter(include_in_schema=False)


@router.get("/recruitment/intake", response_class=HTMLResponse)
async def worklist(
    request: Request,
    principal: PagePrincipal,
    recruitment: RecruitmentDep,
    message: Annotated[str | None, Query(max_length=200)] = None,
    opleiding: Annotated[str, Query(max_length=200)] = "",
    stap: Annotated[str, Query(max_length=40)] = "",
    zoek: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    if principal is None or principal.role not in ("provider", "admin"):
        return render(request, "signin_needed.html", principal, status=401, title="Intake")
    stages = [str(s) for s in WORKLIST_STAGES]
    own: dict[str, Any] = {} if principal.role == "admin" else {"provider_id": principal.org}
    query: dict[str, Any] = own | {"stage": stap if stap in stages else {"$in": stages}}
    if opleiding:
        query["offering_id"] = opleiding
    docs = await recruitment.store.applications_with_personal(
        query, sort=[("stage", 1), ("_id", 1)], limit=500
    )
    docs = [d for d in docs if _matches(d, zoek)]
    cohorts = await _cohorts_of(recruitment, {d.get("cohort_id") for d in docs})
    courses = _courses([v for v in (cohort_view(d) for d in await recruitment.store.all_cohorts(own)) if v])
    refused = await recruitment.store.applications_with_personal(
        own | {"stage": "rejected", "history.note": FUNDING_REFUSED_NOTE}, limit=100
    )
    return render(
        request,
        "intake.html",
        principal,
        title="Intake-werklijst",
        rows=_rows(docs, cohorts),
        refused=refused,
        message=message,
        reasons=list(DropOutReason),
        courses=courses,
        stages=stages,
        chosen={"opleiding": opleiding, "stap": stap if stap in stages else "", "zoek": zoek},
    )


@router.post("/recruitment/intake/{application_id}", response_model=None)
async def worklist_step(
    principal: PagePrincipal,
    recruitment: RecruitmentDep,
    application_id: str,
    to: Annotated[Stage, Form()],
    reason: Annotated[DropOutReason | None, Form()] = None,
    motivation: Annotated[str, Form(max_length=100_000)] = "",  # a number input has no maxlength
    study_skills: Annotated[str, Form(max_length=100_000)] = "",
    exemption: Annotated[str, Form(max_length=120)] = "",
    funding_kind: Annotated[FundingKind | None, Form()] = None,
    opleiding: Annotated[str, Form(max_length=200)] = "",
    stap: Annotated[str, Form(max_length=40)] = "",
    zoek: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    found = await recruitment.store.application(application_id)
    if found is None or principal is None or not manages(principal, found[0].provider_id):
        raise Problem(404, "not-found", "Aanmelding niet gevonden")
    # back to the worklist as it was filtered
    kept = urlencode({k: v for k, v in (("opleiding", opleiding), ("stap", stap), ("zoek", zoek)) if v})
    scores = _scores(motivation, study_skills)
    if isinstance(scores, str):
        return RedirectResponse(
            f"/recruitment/intake?{urlencode({'message': scores})}" + (f"&{kept}" if kept else ""),
            status_code=303,
        )
    intake = _intake(scores, exemption) if to == Stage.intake_done else None
    try:
        await recruitment.move(
            application_id,
            to,
            by=principal.subject,
            reason=reason,
            intake=intake,
            funding=recruitment.admission_funding(funding_kind, found[0]),
        )
        message = "Opgeslagen."
    except (InvalidTransition, MissingInput, ValueError) as error:
        message = _dutch_refusal(error)
    return RedirectResponse(
        f"/recruitment/intake?message={message}" + (f"&{kept}" if kept else ""), status_code=303
    )


def _rows(docs: list[dict[str, Any]], cohorts: dict[str, CohortView]) -> list[dict[str, Any]]:
    """The worklist's rows: earlier steps first, then who applied first."""
    rows = (
        {
            "doc": d,
            "reference": reference(d["_id"]),
            "cohort": cohorts.get(d.get("cohort_id") or ""),
            "next": [str(s) for s in manual_next(Stage(d["stage"]))],
            "funding": _funding_options(cohorts.get(d.get("cohort_id") or "")),
        }
        for d in docs
    )
    return sorted(
        rows, key=lambda r: (WORKLIST_STAGES.index(Stage(r["doc"]["stage"])), r["doc"]["created_at"])
    )


async def _cohorts_of(recruitment: Recruitment, cohort_ids: set[Any]) -> dict[str, CohortView]:
    docs = await recruitment.store.all_cohorts({"_id": {"$in": [c for c in cohort_ids if c]}})
    return {view.cohort_id: view for view in (cohort_view(d) for d in docs) if view}


def _matches(doc: dict[str, Any], text: str) -> bool:
    """The worklist's search box: a part of the name, e-mail address, phone number or postcode, or
    the reference the applicant quotes."""
    wanted = text.strip().casefold()
    if not wanted:
        return True
    applicant = doc.get("applicant") or {}
    return wanted in reference(doc["_id"]).casefold() or any(
        wanted in str(applicant.get(k) or "").casefold() for k in ("name", "email", "phone", "postcode")
    )


def _courses(cohorts: list[CohortView]) -> list[tuple[str, str]]:
    """(offering_id, title) of the provider's courses, for the worklist's course filter."""
    titles = {c.offering_id: c.title or "Opleiding zonder naam" for c in cohorts if c.offering_id}
    return sorted(titles.items(), key=lambda item: item[1].casefold())


def _funding_options(cohort: CohortView | None) -> list[str]:
    """The kinds of seat the provider may choose at admission: what the catalogue offers."""
    return [str(kind) for kind in FundingKind if cohort is None or cohort.offers(kind)]


def _intake(scores: tuple[int, int] | None, exemption: str) -> IntakeResult | None:
    """The intake result as typed on the worklist (the exemption decided by the exam board)."""
    if scores is None:
        return None
    return IntakeResult(
        scores=[Score(name="motivatie", value=scores[0]), Score(name="studievaardigheden", value=scores[1])],
        exemptions=[Exemption(unit=exemption.strip(), basis="besluit examencommissie")]
        if exemption.strip()
        else [],
    )


def _dutch_refusal(error: Exception) -> str:
    if isinstance(error, FundingNotOffered):
        offered = " of ".join(FUNDING_REFUSALS.get(k, k) for k in error.offered) or "geen plaatsen"
        asked = FUNDING_REFUSALS.get(error.asked, error.asked)
        return f"Dit startmoment heeft geen {asked}. Kies de financiering opnieuw: het biedt {offered}."
    if isinstance(error, MissingInput) and error.field == "intake":
        return "Vul de scores van de intake in."
    if isinstance(error, MissingInput) and error.field == "funding":
        return "Kies eerst de financiering van de plaats."
    if isinstance(error, InvalidTransition):
        return "Deze stap kan nu niet."
    return "Kies een reden."


def _scores(motivation: str, study_skills: str) -> tuple[int, int] | str | None:
    """The two intake scores typed on the worklist (0 to 100), None when not both given, or a
    Dutch sentence saying what is wrong."""
    typed = [motivation.strip(), study_skills.strip()]
    if not all(typed):
        return None
    if not all(t.isdigit() and len(t) <= 3 and int(t) <= 100 for t in typed):
        return "Niet opgeslagen: vul bij motivatie en studievaardigheden een score van 0 tot en met 100 in."
    return int(typed[0]), int(typed[1])
