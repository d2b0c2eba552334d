"""Candidates: registered by a mobility team with consent; a team sees only its region."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from llo_shared.problems import Problem
from matching.api.common import Cursor, Limit, MobilityTeam, TopK, UseCases, listing
from matching.api.reads import CandidatePage, CandidateRead, MatchPage
from matching.documents import candidate_view
from matching.schemas import CandidateCreate, ConsentIn, EvidenceIn
from matching.store import CANDIDATES

router = APIRouter(prefix="/candidates", tags=["candidates"])
Purpose = Literal["matching", "sharing_with_provider", "contact"]


@router.post("", status_code=201, response_model=CandidateRead, response_model_exclude_unset=True)
async def register_candidate(body: CandidateCreate, principal: MobilityTeam, uc: UseCases) -> dict[str, Any]:
    return candidate_view(await uc.register_candidate(principal, body))


@router.get("", response_model=CandidatePage, response_model_exclude_unset=True)
async def list_candidates(
    principal: MobilityTeam,
    uc: UseCases,
    status: Annotated[Literal["active", "erased"] | None, Query()] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    query: dict[str, Any] = {} if principal.role == "admin" else {"region": principal.region or "-"}
    if status:
        query["status"] = status
    return await uc.store.page(CANDIDATES, query, cursor, limit, candidate_view)


@router.get("/{ref}", response_model=CandidateRead, response_model_exclude_unset=True)
async def get_candidate(ref: str, principal: MobilityTeam, uc: UseCases) -> dict[str, Any]:
    return candidate_view(await uc.visible_candidate(principal, ref))


@router.post(
    "/{ref}/consents", status_code=201, response_model=CandidateRead, response_model_exclude_unset=True
)
async def record_consent(ref: str, body: ConsentIn, principal: MobilityTeam, uc: UseCases) -> dict[str, Any]:
    return candidate_view(await uc.record_consent(principal, ref, body.purpose, body.given_on))


@router.post(
    "/{ref}/consents/{purpose}/withdraw", response_model=CandidateRead, response_model_exclude_unset=True
)
async def withdraw_consent(
    ref: str, purpose: Purpose, principal: MobilityTeam, uc: UseCases
) -> dict[str, Any]:
    return candidate_view(await uc.withdraw_consent(principal, ref, purpose, date.today()))


@router.put("/{ref}/evidence", response_model=CandidateRead, response_model_exclude_unset=True)
async def replace_evidence(
    ref: str, body: Annotated[list[EvidenceIn], ...], principal: MobilityTeam, uc: UseCases
) -> dict[str, Any]:
    if len(body) > 40:
        raise Problem(422, "validation", "Invalid input", "at most 40 modules", field="body")
    evidence = [e.model_dump(mode="json") for e in body]
    return candidate_view(await uc.replace_evidence(principal, ref, evidence))


@router.delete("/{ref}", response_model=CandidateRead, response_model_exclude_unset=True)
async def erase_candidate(ref: str, principal: MobilityTeam, uc: UseCases) -> dict[str, Any]:
    """Erasure: personal data and profile are removed; only the pseudonymous ref and region stay."""
    return candidate_view(await uc.erase_candidate(principal, ref))


@router.get("/{ref}/matches", response_model=MatchPage, response_model_exclude_unset=True)
async def candidate_matches(ref: str, principal: MobilityTeam, uc: UseCases, k: TopK = 10) -> dict[str, Any]:
    items = await uc.candidate_matches(principal, ref, k)
    return listing(items, len(items), None)
