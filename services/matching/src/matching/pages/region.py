"""The mobility team's dashboard of its region: candidates with their best start moments and why,
the fill chart of cohorts below break-even, the open group proposals; pooling the region at once."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from llo_shared.pages import PagePrincipal
from llo_shared.problems import Problem
from matching.demo import ensure_demo_proposals
from matching.domain.places import REGIONS
from matching.pages.common import (
    UseCases,
    candidate_name,
    demo_mode,
    described_proposals,
    explained_matches,
    notice,
    render,
    sign_in_needed,
    signed_in_as,
)
from matching.pages.explain import fill_chart
from matching.store import CANDIDATES, PROPOSALS
from matching.usecases import skipped_if_broken

router = APIRouter(include_in_schema=False)

RULE_LABELS = {
    "would_skip": "80/80-regel: onderwijs kan vervallen",
    "may_take_instaptoets": "mag instaptoets doen",
    "follows_module": "volgt de module",
    "no_scan_yet": "nog geen praktijkscan",
}


@router.get("/matching/mobiliteitsteam", response_class=HTMLResponse)
async def dashboard(request: Request, principal: PagePrincipal, uc: UseCases) -> HTMLResponse:
    if not signed_in_as(principal, "rmt"):
        return sign_in_needed(request, principal, "Mobiliteitsteam", "mobiliteitsteam")
    assert principal is not None
    region = principal.region or "flevoland"
    if demo_mode(request):
        await ensure_demo_proposals(uc, region)
    candidates = await uc.store.find(CANDIDATES, {"region": region, "status": "active"})
    best: dict[str, list[dict[str, Any]]] = {}
    for candidate in candidates:
        best[candidate["_id"]] = []
        with skipped_if_broken("candidate", candidate), suppress(Problem):
            best[candidate["_id"]] = await explained_matches(uc, principal, candidate["_id"], 3)
    fill = [f for f in await uc.region_fill(principal, region) if f["missing_to_break_even"] > 0][:15]
    open_proposals = await uc.store.find(PROPOSALS, {"region": region, "status": "open"})
    return render(
        request,
        "dashboard.html",
        principal,
        title="Mobiliteitsteam",
        region_name=REGIONS.get(region, region),
        candidates=candidates,
        names={c["_id"]: candidate_name(c) for c in candidates},
        best=best,
        fill=fill,
        chart=fill_chart(fill, "Vulling van startmomenten onder het minimum"),
        proposals=await described_proposals(uc, principal, open_proposals),
        rule_labels=RULE_LABELS,
        notice=request.query_params.get("melding", "")[:200],
    )


@router.post("/matching/mobiliteitsteam/pooling", response_model=None)
async def pool_region(
    request: Request, principal: PagePrincipal, uc: UseCases
) -> RedirectResponse | HTMLResponse:
    if not signed_in_as(principal, "rmt"):
        return sign_in_needed(request, principal, "Mobiliteitsteam", "mobiliteitsteam")
    assert principal is not None
    run = await uc.run_pooling(principal, principal.region or "flevoland")
    message = (
        f"{len(run['proposal_ids'])} groepsvoorstellen berekend; "
        f"{run['cohorts_tipped']} groepen halen daarmee het minimum."
    )
    return notice("/matching/mobiliteitsteam", message)
