"""Server-rendered Dutch pages: the employer's demands and proposals, the mobility team's dashboard."""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from llo_shared.auth import Principal
from llo_shared.pages import PagePrincipal, Pages
from llo_shared.problems import Problem
from llo_shared.skills import load_skills
from matching.demo import ensure_demo_proposals
from matching.documents import proposal_view
from matching.domain.model import DELIVERY_MODES
from matching.domain.places import PLACES, REGIONS
from matching.schemas import DemandCreate, ProposalDecision
from matching.store import CANDIDATES, DEMANDS, PROPOSALS
from matching.usecases import Matching, skipped_if_broken

TEMPLATES = Path(__file__).parent / "templates"

DELIVERY_LABELS = {
    "in_company": "In company",
    "classroom": "Klassikaal",
    "online": "Online",
    "daytime": "Overdag",
    "evening": "Avond",
    "weekend": "Weekend",
    "own_pace": "Eigen tempo",
    "workplace_learning": "Werkplekleren",
}
RULE_LABELS = {
    "would_skip": "80/80-regel: onderwijs kan vervallen",
    "may_take_instaptoets": "mag instaptoets doen",
    "follows_module": "volgt de module",
    "no_scan_yet": "nog geen praktijkscan",
}


def euro(cents: int | None) -> str:
    if cents is None:
        return "-"
    whole, rest = divmod(int(cents), 100)
    return "€ " + f"{whole:,}".replace(",", ".") + f",{rest:02d}"


def _matching(request: Request) -> Matching:
    return request.app.state.matching


def page_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    pages.templates.env.filters["euro"] = euro
    skills = load_skills()
    pages.templates.env.globals["skill_label"] = skills.label

    def render(request: Request, template: str, principal: Principal | None, **context: Any) -> HTMLResponse:
        return pages.render(request, template, principal, **context)

    def signed_in_as(principal: Principal | None, *roles: str) -> bool:
        return principal is not None and (principal.role in roles or principal.role == "admin")

    @router.get("/matching/", response_class=HTMLResponse)
    def home(request: Request, principal: PagePrincipal) -> HTMLResponse:
        return render(request, "home.html", principal, title="Vraag en matching")

    # Employer -----------------------------------------------------------------------------

    async def my_demands_context(uc: Matching, principal: Principal) -> dict[str, Any]:
        demands = await uc.store.find(DEMANDS, {"commissioner_org": principal.org})
        placed = await uc.store.accepted_seats_by_demand([d["_id"] for d in demands])
        regions = sorted({d["region"] for d in demands})
        if pages.settings.environment == "demo":
            for region in regions:
                await ensure_demo_proposals(uc, region)
        proposals = await uc.store.find(
            PROPOSALS,
            {"status": "open", "demand_orgs": principal.org},
        )
        decisions = {
            d["_id"]: d
            for d in await uc.store.find(
                "placements", {"proposal_id": {"$in": [p["_id"] for p in proposals]}}
            )
        }
        surcharges = {
            s["_id"]: s
            for s in await uc.store.find("surcharge_acceptances", {"commissioner_org": principal.org})
        }
        by_demand: dict[str, list[dict[str, Any]]] = {}
        for proposal in proposals:
            view = proposal_view(principal, proposal)
            for member in view["members"]:
                if member["kind"] == "demand":
                    key = f"{proposal['_id']}:demand:{member['ref']}"
                    entry = view | {
                        "own": member,
                        "others": sum(m["seats"] for m in view["members"] if m is not member),
                        "decision": decisions.get(key),
                        "surcharge_accepted": surcharges.get(f"{proposal['cohort_id']}:{member['ref']}"),
                    }
                    by_demand.setdefault(member["ref"], []).append(entry)
        return {"demands": demands, "placed": placed, "proposals": by_demand}

    @router.get("/matching/vragen", response_class=HTMLResponse)
    async def my_demands(request: Request, principal: PagePrincipal) -> HTMLResponse:
        if not signed_in_as(principal, "employer", "rmt"):
            return render(
                request, "sign_in_needed.html", principal, title="Mijn scholingsvragen", who="werkgever"
            )
        assert principal is not None
        context = await my_demands_context(_matching(request), principal)
        notice = request.query_params.get("melding", "")[:200]
        return render(
            request, "demands.html", principal, title="Mijn scholingsvragen", notice=notice, **context
        )

    @router.get("/matching/vragen/nieuw", response_class=HTMLResponse)
    def new_demand_form(request: Request, principal: PagePrincipal) -> HTMLResponse:
        return _demand_form(request, principal, {}, [])

    def _demand_form(
        request: Request,
        principal: Principal | None,
        values: dict[str, Any],
        errors: list[str],
        status: int = 200,
    ) -> HTMLResponse:
        today = date.today()
        defaults = {
            "start_from": (today + timedelta(days=14)).isoformat(),
            "start_until": (today + timedelta(days=180)).isoformat(),
            "participants": 5,
            "max_distance_km": 30,
            "region": (principal.region if principal else None) or "flevoland",
        }
        return pages.render(
            request,
            "demand_form.html",
            principal,
            status_code=status,
            title="Nieuwe scholingsvraag",
            values=defaults | values,
            errors=errors,
            regions=REGIONS,
            places=[p.municipality for p in PLACES],
            skills=[s for s in skills.skills if not s.deprecated],
            delivery_modes=[(m, DELIVERY_LABELS[m]) for m in DELIVERY_MODES],
        )

    @router.post("/matching/vragen/nieuw", response_class=HTMLResponse, response_model=None)
    async def post_demand_form(
        request: Request,
        principal: PagePrincipal,
        title: Annotated[str, Form(max_length=200)] = "",
        region: Annotated[str, Form(max_length=40)] = "",
        municipality: Annotated[str, Form(max_length=80)] = "",
        max_distance_km: Annotated[str, Form(max_length=10)] = "30",
        level: Annotated[str, Form(max_length=2)] = "",
        code: Annotated[str, Form(max_length=20)] = "",
        participants: Annotated[str, Form(max_length=5)] = "",
        allow_split: Annotated[str, Form(max_length=5)] = "",
        start_from: Annotated[str, Form(max_length=10)] = "",
        start_until: Annotated[str, Form(max_length=10)] = "",
        budget_euro: Annotated[str, Form(max_length=12)] = "",
        essential_skills: Annotated[list[str] | None, Form()] = None,
        optional_skills: Annotated[list[str] | None, Form()] = None,
        delivery_wishes: Annotated[list[str] | None, Form()] = None,
    ) -> HTMLResponse | RedirectResponse:
        values = {
            "title": title,
            "region": region,
            "municipality": municipality,
            "max_distance_km": max_distance_km,
            "level": level,
            "code": code,
            "participants": participants,
            "allow_split": bool(allow_split),
            "start_from": start_from,
            "start_until": start_until,
            "budget_euro": budget_euro,
            "essential_skills": essential_skills or [],
            "optional_skills": optional_skills or [],
            "delivery_wishes": delivery_wishes or [],
        }
        if not signed_in_as(principal, "employer", "rmt"):
            return _demand_form(
                request, principal, values, ["Meld u aan als werkgever om een vraag te plaatsen."], 403
            )
        assert principal is not None
        try:
            body = DemandCreate.model_validate(
                {
                    "title": title,
                    "commissioner_kind": "rmt" if principal.role == "rmt" else "employer",
                    "region": region,
                    "location": {"municipality": municipality},
                    "max_distance_km": max_distance_km,
                    "level": int(level) if level else None,
                    "code": code or None,
                    "participants": participants,
                    "allow_split": bool(allow_split),
                    "start_from": start_from,
                    "start_until": start_until,
                    "budget_per_participant_cents": _cents(budget_euro),
                    "essential_skills": essential_skills or [],
                    "optional_skills": optional_skills or [],
                    "delivery_wishes": delivery_wishes or [],
                }
            )
        except (ValidationError, ValueError) as error:
            return _demand_form(request, principal, values, _messages(error), 422)
        await _matching(request).post_demand(principal, body)
        return RedirectResponse("/matching/vragen?melding=Uw+scholingsvraag+is+geplaatst", status_code=303)

    @router.post("/matching/voorstellen/{proposal_id}/besluit", response_model=None)
    async def decide_on_proposal(
        request: Request,
        proposal_id: str,
        principal: PagePrincipal,
        demand_id: Annotated[str, Form(max_length=80)] = "",
        candidate_ref: Annotated[str, Form(max_length=80)] = "",
        decision: Annotated[str, Form(max_length=20)] = "",
        reason: Annotated[str, Form(max_length=300)] = "",
        next: Annotated[str, Form(max_length=200)] = "/matching/vragen",
    ) -> RedirectResponse | HTMLResponse:
        if principal is None:
            return render(request, "sign_in_needed.html", principal, title="Aanmelden", who="werkgever")
        uc = _matching(request)
        target = next if next.startswith("/matching/") else "/matching/vragen"
        try:
            if decision == "toeslag":
                await uc.accept_surcharge(principal, proposal_id, demand_id, None)
                message = "Lege-stoelentoeslag geaccepteerd"
            else:
                body = ProposalDecision(
                    demand_id=demand_id or None,
                    candidate_ref=candidate_ref or None,
                    candidate_agreed=bool(candidate_ref),
                    reason=reason or None,
                )
                await uc.decide(principal, proposal_id, body, accept=decision == "accepteren")
                message = "Voorstel geaccepteerd" if decision == "accepteren" else "Voorstel afgewezen"
        except Problem as problem:
            message = f"Niet gelukt: {problem.detail or problem.title}"
        except ValidationError as error:
            message = "Niet gelukt: " + "; ".join(_messages(error))
        return RedirectResponse(f"{target}?melding={message.replace(' ', '+')}", status_code=303)

    # Mobility team ------------------------------------------------------------------------------

    @router.get("/matching/mobiliteitsteam", response_class=HTMLResponse)
    async def dashboard(request: Request, principal: PagePrincipal) -> HTMLResponse:
        if not signed_in_as(principal, "rmt"):
            return render(
                request, "sign_in_needed.html", principal, title="Mobiliteitsteam", who="mobiliteitsteam"
            )
        assert principal is not None
        uc = _matching(request)
        region = principal.region or "flevoland"
        if pages.settings.environment == "demo":
            await ensure_demo_proposals(uc, region)
        candidates = await uc.store.find(CANDIDATES, {"region": region, "status": "active"})
        best: dict[str, list[dict[str, Any]]] = {}
        for candidate in candidates:
            best[candidate["_id"]] = []
            with skipped_if_broken("candidate", candidate), suppress(Problem):
                best[candidate["_id"]] = await uc.candidate_matches(principal, candidate["_id"], 3)
        fill = await uc.region_fill(principal, region)
        proposals = [
            proposal_view(principal, p)
            for p in await uc.store.find(PROPOSALS, {"region": region, "status": "open"})
        ]
        notice = request.query_params.get("melding", "")[:200]
        return render(
            request,
            "dashboard.html",
            principal,
            title="Mobiliteitsteam",
            region_label=REGIONS.get(region, region),
            candidates=candidates,
            best=best,
            fill=[f for f in fill if f["missing_to_break_even"] > 0][:15],
            proposals=proposals,
            rule_labels=RULE_LABELS,
            notice=notice,
        )

    @router.post("/matching/mobiliteitsteam/pooling", response_model=None)
    async def pool_region(request: Request, principal: PagePrincipal) -> RedirectResponse | HTMLResponse:
        if not signed_in_as(principal, "rmt"):
            return render(
                request, "sign_in_needed.html", principal, title="Mobiliteitsteam", who="mobiliteitsteam"
            )
        assert principal is not None
        run = await _matching(request).run_pooling(principal, principal.region or "flevoland")
        message = (
            f"{len(run['proposal_ids'])} groepsvoorstellen, {run['cohorts_tipped']} groepen halen het minimum"
        )
        return RedirectResponse(
            f"/matching/mobiliteitsteam?melding={message.replace(' ', '+')}", status_code=303
        )

    router.include_router(pages.demo_sign_in_router())
    return router


def _cents(euro_text: str) -> int | None:
    text = euro_text.strip().replace("€", "").replace(".", "").replace(",", ".").strip()
    if not text:
        return None
    try:
        return round(float(text) * 100)
    except ValueError:
        raise ValueError("budget: geef een bedrag in euro, bijvoorbeeld 2500") from None


def _messages(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        return [f"{'.'.join(str(p) for p in e['loc']) or 'invoer'}: {e['msg']}" for e in error.errors()]
    return [str(error)]
