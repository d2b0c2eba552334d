"""Shared pieces of the JSON API: the use cases' handle, tenancy checks, the paging parameters
(pages themselves: `llo_shared.paging`, through the store) and the mapping of domain errors."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse

from llo_shared.auth import Principal
from llo_shared.problems import Problem, problem_response
from recruitment.domain.application import Application
from recruitment.domain.campaign import Campaign, CampaignStatusConflict
from recruitment.domain.funnel import InvalidTransition, ReasonRequired
from recruitment.usecases import MissingInput, NotFound, Recruitment, TargetRefused

MAX_PAGE = 100


def recruitment_of(request: Request) -> Recruitment:
    return request.app.state.recruitment


RecruitmentDep = Annotated[Recruitment, Depends(recruitment_of)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Cursor = Annotated[str | None, Query(max_length=200)]


# Roles inside an organisation matter: a provider's finance clerk (role finance, same org) neither
# reads applicants nor runs the funnel or campaigns; that is the provider role's work (or an admin's).
MANAGERS = ("provider", "admin")


def manages(principal: Principal, provider_id: str) -> bool:
    """The caller runs recruitment for this provider: its provider role, or an admin."""
    return principal.role in MANAGERS and principal.owns(provider_id)


def can_see_campaign(principal: Principal, campaign: Campaign) -> bool:
    if manages(principal, campaign.provider_id):
        return True
    return principal.role == "rmt" and campaign.status == "running"


def ensure_campaign_reader(principal: Principal, campaign: Campaign) -> None:
    if not can_see_campaign(principal, campaign):
        raise Problem(404, "not-found", "Campaign not found")


def can_manage_application(principal: Principal, application: Application) -> bool:
    return manages(principal, application.provider_id)


def can_read_application(principal: Principal, application: Application) -> bool:
    if manages(principal, application.provider_id):
        return True
    return principal.role == "rmt" and application.registered_by == principal.org


def install_error_mapping(app: FastAPI) -> None:
    """Domain refusals become problem+json: conflicts 409 (with the allowed next steps), bad input 422."""

    @app.exception_handler(InvalidTransition)
    async def invalid_transition(request: Request, exc: InvalidTransition) -> JSONResponse:
        return problem_response(
            409,
            "invalid-transition",
            "Transition not allowed",
            f"an application in stage {exc.current} cannot move to {exc.target}",
            instance=request.url.path,
            current_stage=str(exc.current),
            requested_stage=str(exc.target),
            allowed_next=[str(s) for s in exc.allowed],
        )

    @app.exception_handler(CampaignStatusConflict)
    async def campaign_conflict(request: Request, exc: CampaignStatusConflict) -> JSONResponse:
        return problem_response(
            409,
            "campaign-status",
            "Campaign status does not allow this",
            str(exc),
            instance=request.url.path,
            status_now=str(exc.current),
        )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return problem_response(
            404, "not-found", f"{exc.what.capitalize()} not found", str(exc), instance=request.url.path
        )

    @app.exception_handler(MissingInput)
    async def missing(request: Request, exc: MissingInput) -> JSONResponse:
        return _field_problem(request, exc.field, str(exc))

    @app.exception_handler(TargetRefused)
    async def target_refused(request: Request, exc: TargetRefused) -> JSONResponse:
        problem = field_problem(exc.field, str(exc), status=403 if exc.foreign else 422)
        return problem_response(
            problem.status,
            problem.slug,
            problem.title,
            problem.detail,
            instance=request.url.path,
            **problem.extra,
        )

    @app.exception_handler(ReasonRequired)
    async def reason(request: Request, exc: ReasonRequired) -> JSONResponse:
        return _field_problem(request, "reason", str(exc))


def _field_problem(request: Request, field: str, message: str) -> JSONResponse:
    return problem_response(
        422,
        "validation",
        "Invalid input",
        f"Check these fields: {field}",
        instance=request.url.path,
        errors=[{"field": field, "in": "body", "message": message, "code": "missing"}],
    )


def field_problem(field: str, message: str, status: int = 422, where: str = "body") -> Problem:
    return Problem(
        status,
        "validation",
        "Invalid input",
        f"Check these fields: {field}",
        errors=[{"field": field, "in": where, "message": message, "code": "invalid"}],
    )
