"""Applications, their funnel transitions and their enrolments."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from llo_shared.auth import Principal, current_principal, require_roles
from llo_shared.dates import Moment
from llo_shared.problems import Problem
from recruitment.api.deps import (
    Cursor,
    Limit,
    RecruitmentDep,
    can_manage_application,
    can_read_application,
)
from recruitment.api.reads import (
    ApplicationPage,
    ApplicationRead,
    EnrolmentPage,
    ErasureRead,
    TransitionsPage,
)
from recruitment.applicants import Applicant, personal_fields
from recruitment.domain.application import Application, IntakeResult, Source
from recruitment.domain.campaign import Channel
from recruitment.domain.funding import Funding
from recruitment.domain.funnel import DropOutReason, Stage, allowed_next, manual_next
from recruitment.payers import PayerChoice
from recruitment.usecases import NotFound, Recruitment

router = APIRouter(prefix="/applications", tags=["applications"])
enrolments = APIRouter(prefix="/enrolments", tags=["enrolments"])
Registrar = Annotated[Principal, Depends(require_roles("rmt", "provider"))]
Anyone = Annotated[Principal, Depends(current_principal)]


class ApplicationCreate(BaseModel):
    cohort_id: str | None = Field(default=None, max_length=200)
    campaign_id: str | None = Field(default=None, max_length=200)
    channel: Channel | None = None
    candidate_ref: str | None = Field(default=None, max_length=100, description="matching's pseudonymous ref")
    applicant: Applicant
    consent: Literal[True] = Field(description="the person agreed to the privacy statement")
    payer: PayerChoice | None = Field(
        default=None, description="who will pay for a private seat (with invoice details for `self`)"
    )


class TransitionRequest(BaseModel):
    to: Stage
    reason: DropOutReason | None = None
    note: str | None = Field(default=None, max_length=1000)
    planned_for: Moment | None = None
    intake: IntakeResult | None = None
    funding: Funding | None = None


def application_json(application: Application, personal: dict[str, Any] | None = None) -> dict[str, Any]:
    data = application.model_dump(mode="json")
    data["allowed_next"] = [str(s) for s in manual_next(application.stage)]
    if personal is not None:
        data["applicant"] = personal.get("applicant")
        data["consent"] = personal.get("consent")
        data["payer"] = personal.get("payer")
    return data


@router.post("", status_code=201, response_model=ApplicationRead, response_model_exclude_unset=True)
async def register(
    body: ApplicationCreate, principal: Registrar, recruitment: RecruitmentDep
) -> dict[str, Any]:
    """An RMT (or the provider itself) registers a person who wants to take part, with consent."""
    cohort, campaign = await recruitment.application_target(body.cohort_id, body.campaign_id)
    if principal.role == "provider" and not principal.owns(cohort.provider_id or ""):
        raise Problem(403, "forbidden", "Not your organisation", "providers register for their own cohorts")
    application = await recruitment.receive_application(
        source=Source.provider if principal.role == "provider" else Source.rmt,
        cohort=cohort,
        campaign=campaign,
        channel=body.channel,
        by=principal.subject,
        registered_by=principal.org,
        candidate_ref=body.candidate_ref,
        personal=personal_fields(body.applicant, recruitment.clock()),
        payer=body.payer,
    )
    return application_json(application)


@router.get("", response_model=ApplicationPage, response_model_exclude_unset=True)
async def list_applications(
    principal: Anyone,
    recruitment: RecruitmentDep,
    stage: Stage | None = None,
    campaign_id: Annotated[str | None, Query(max_length=200)] = None,
    cohort_id: Annotated[str | None, Query(max_length=200)] = None,
    channel: Channel | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> dict[str, Any]:
    query: dict[str, Any] = _tenant_query(principal)
    for key, value in (
        ("stage", stage),
        ("campaign_id", campaign_id),
        ("cohort_id", cohort_id),
        ("channel", channel),
    ):
        if value is not None:
            query[key] = str(value)
    found = await recruitment.store.application_page(query, cursor, limit)
    return found | {"items": [application_json(a) for a in found["items"]]}


def _tenant_query(principal: Principal) -> dict[str, Any]:
    if principal.role == "admin":
        return {}
    if principal.role == "provider":
        return {"provider_id": principal.org}
    if principal.role == "rmt":
        return {"registered_by": principal.org}
    raise Problem(403, "forbidden", "Not allowed for this role", "needs one of: provider, rmt")


async def readable(application_id: str, principal: Principal, recruitment: Recruitment) -> Application:
    return (await readable_with_version(application_id, principal, recruitment))[0]


async def readable_with_version(
    application_id: str, principal: Principal, recruitment: Recruitment
) -> tuple[Application, int]:
    found = await recruitment.store.application(application_id)
    if found is None or not can_read_application(principal, found[0]):
        raise NotFound("application", application_id)
    return found


async def with_current_position(recruitment: Recruitment, application: Application) -> Application:
    """A waitlisted person's place now (people ahead may have moved in or left since)."""
    enrolment = application.enrolment
    if application.stage != Stage.waitlisted or enrolment is None or enrolment.waitlist_seq is None:
        return application
    ahead = await recruitment.store.waitlisted_ahead(enrolment.cohort_id, enrolment.waitlist_seq)
    current = enrolment.model_copy(update={"position": ahead + 1})
    return application.model_copy(update={"enrolment": current})


@router.get("/{application_id}", response_model=ApplicationRead, response_model_exclude_unset=True)
async def get_application(
    application_id: str, principal: Anyone, recruitment: RecruitmentDep
) -> dict[str, Any]:
    application = await readable(application_id, principal, recruitment)
    personal = await recruitment.store.application_with_personal(application_id)
    return application_json(await with_current_position(recruitment, application), personal)


@router.get(
    "/{application_id}/transitions", response_model=TransitionsPage, response_model_exclude_unset=True
)
async def transitions(application_id: str, principal: Anyone, recruitment: RecruitmentDep) -> dict[str, Any]:
    application = await readable(application_id, principal, recruitment)
    items = [t.model_dump(mode="json") for t in application.history]
    return {
        "items": items,
        "total": len(items),
        "next": None,
        "allowed_next": [str(s) for s in manual_next(application.stage)],
        "allowed_by_state_machine": [str(s) for s in allowed_next(application.stage)],
    }


@router.post(
    "/{application_id}/transitions", response_model=ApplicationRead, response_model_exclude_unset=True
)
async def transition(
    application_id: str, body: TransitionRequest, principal: Anyone, recruitment: RecruitmentDep
) -> dict[str, Any]:
    """Move an application one step. The provider runs the funnel; the registering RMT may withdraw."""
    loaded = await readable_with_version(application_id, principal, recruitment)
    application = loaded[0]
    rmt_withdrawal = principal.role == "rmt" and body.to == Stage.withdrawn
    if not (can_manage_application(principal, application) or rmt_withdrawal):
        raise Problem(
            403, "forbidden", "Not allowed", "only the provider moves an application through intake"
        )
    moved = await recruitment.move(
        application_id,
        body.to,
        by=principal.subject,
        reason=body.reason,
        note=body.note,
        intake=body.intake,
        planned_for=body.planned_for,
        funding=body.funding,
        loaded=loaded,
    )
    return application_json(moved)


@router.delete(
    "/{application_id}/personal-data", response_model=ErasureRead, response_model_exclude_unset=True
)
async def erase(application_id: str, principal: Anyone, recruitment: RecruitmentDep) -> dict[str, Any]:
    """The person asked to be forgotten: name, contact details and consent go; the figures stay."""
    application = await readable(application_id, principal, recruitment)
    erased = await recruitment.erase_application(application.application_id)
    return {"application_id": application_id, "erased": erased}


@enrolments.get("", response_model=EnrolmentPage, response_model_exclude_unset=True)
async def list_enrolments(
    principal: Anyone,
    recruitment: RecruitmentDep,
    cohort_id: Annotated[str | None, Query(max_length=200)] = None,
    stage: Literal["enrolment_requested", "enrolled", "waitlisted"] | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> dict[str, Any]:
    """Seat requests and their outcome; the waitlist in order when filtered on `waitlisted`."""
    query: dict[str, Any] = _tenant_query(principal) | {"enrolment": {"$ne": None}}
    if cohort_id:
        query["cohort_id"] = cohort_id
    query["stage"] = stage or {
        "$in": ["enrolment_requested", "enrolled", "waitlisted", "withdrawn", "rejected"]
    }
    found = await recruitment.store.application_page(query, cursor, limit)
    return found | {
        "items": [_enrolment_json(await with_current_position(recruitment, a)) for a in found["items"]]
    }


def _enrolment_json(application: Application) -> dict[str, Any]:
    enrolment = application.enrolment
    assert enrolment is not None
    return {
        "application_id": application.application_id,
        "participant_ref": application.participant_ref,
        "stage": str(application.stage),
        **enrolment.model_dump(mode="json"),
    }
