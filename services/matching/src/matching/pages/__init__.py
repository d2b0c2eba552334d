"""Server-rendered Dutch pages: the employer's demands, proposals and placements; the mobility team's
dashboard, candidate registration and a candidate's best start moments. Pages call the use cases;
what they say in words (reasons, group figures, the fill chart) comes from pages/explain.py."""

from __future__ import annotations

import logging
import math
from contextlib import suppress
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from llo_shared.auth import Principal
from llo_shared.demo_users import ORGANISATION_NAMES
from llo_shared.dutch import FieldError, dutch_errors, euro
from llo_shared.pages import PagePrincipal, Pages
from llo_shared.problems import Problem
from llo_shared.skills import load_skills
from matching.demo import ensure_demo_proposals
from matching.documents import proposal_view
from matching.domain.model import DELIVERY_MODES
from matching.domain.places import PLACES, REGIONS
from matching.pages.explain import DELIVERY_LABELS, fill_chart, group_sentence, reasons
from matching.schemas import CandidateCreate, DemandCreate, ProposalDecision
from matching.store import CANDIDATES, DEMANDS, OFFERINGS, PLACEMENTS, PROPOSALS, SURCHARGES
from matching.usecases import Matching, skipped_if_broken

TEMPLATES = Path(__file__).parent / "templates"
log = logging.getLogger(__name__)

RULE_LABELS = {
    "would_skip": "80/80-regel: onderwijs kan vervallen",
    "may_take_instaptoets": "mag instaptoets doen",
    "follows_module": "volgt de module",
    "no_scan_yet": "nog geen praktijkscan",
}
DEMAND_LABELS = {
    "title": "de titel",
    "participants": "het aantal deelnemers",
    "region": "de regio",
    "municipality": "de gemeente",
    "location": "de gemeente",
    "max_distance_km": "de maximale reisafstand",
    "level": "het niveau",
    "code": "de crebo- of certificaatcode",
    "start_from": "'Start vanaf'",
    "start_until": "'Start uiterlijk'",
    "budget_per_participant_cents": "het budget per deelnemer",
    "essential_skills": "de vaardigheden die nodig zijn",
    "optional_skills": "de wenselijke vaardigheden",
    "delivery_wishes": "de wensen voor de lesvorm",
}
CANDIDATE_LABELS = DEMAND_LABELS | {
    "display_name": "de naam",
    "email": "het e-mailadres",
    "phone": "het telefoonnummer",
    "available_from": "'Beschikbaar vanaf'",
    "available_until": "'Beschikbaar tot'",
    "target_level": "het niveau",
    "goal_essential_skills": "de vaardigheden die de kandidaat wil leren",
    "budget_cents": "het budget",
    "consent": "de toestemming",
    "given_on": "de toestemming",
}
# The schemas' own sentences (English, for the API) and what a page says instead.
MODEL_SENTENCES = {
    "start_until is before start_from": "'Start uiterlijk' ligt voor 'Start vanaf'. Kies een latere datum.",
    "available_until is before available_from": "'Beschikbaar tot' ligt voor 'Beschikbaar vanaf'.",
}
# Form field names where they differ from the model's.
FORM_FIELDS = {
    "budget_per_participant_cents": "budget_euro",
    "location": "municipality",
    "budget_cents": "budget_euro",
}
BUDGET_ERROR = "Vul het budget in euro in, bijvoorbeeld 2500 of 2.500,00."


def _matching(request: Request) -> Matching:
    return request.app.state.matching


def _form_errors(error: ValidationError, labels: dict[str, str]) -> list[FieldError]:
    """Dutch errors keyed by the form's own field names (so each sits at its field)."""
    found = dutch_errors(error.errors(), labels, MODEL_SENTENCES)
    return [FieldError(FORM_FIELDS.get(e.field, e.field) or "start_until", e.label, e.message) for e in found]


def _notice(target: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"{target}?{urlencode({'melding': message})}", status_code=303)


async def provider_names(uc: Matching, offering_ids: set[str]) -> dict[str, str]:
    """Offering id -> its provider's name (carried in the catalogue's offering events)."""
    docs = await uc.store.find(OFFERINGS, {"_id": {"$in": sorted(offering_ids)}})
    return {d["_id"]: d["provider_name"] for d in docs if d.get("provider_name")}


def page_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    skills = load_skills()
    pages.templates.env.globals["skill_label"] = skills.label

    def render(
        request: Request, template: str, principal: Principal | None, status: int = 200, **context: Any
    ) -> HTMLResponse:
        return pages.render(request, template, principal, status_code=status, **context)

    def signed_in_as(principal: Principal | None, *roles: str) -> bool:
        return principal is not None and (principal.role in roles or principal.role == "admin")

    def sign_in_needed(request: Request, principal: Principal | None, title: str, role: str) -> HTMLResponse:
        # `who` is the layout's (the signed-in person): this page names the role it needs
        return render(request, "sign_in_needed.html", principal, 403, title=title, needed_role=role)

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
        proposals = await uc.store.find(PROPOSALS, {"status": "open", "demand_orgs": principal.org})
        decisions = {
            d["_id"]: d
            for d in await uc.store.find(PLACEMENTS, {"proposal_id": {"$in": [p["_id"] for p in proposals]}})
        }
        surcharges = {
            s["_id"]: s for s in await uc.store.find(SURCHARGES, {"commissioner_org": principal.org})
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
                        "explained": group_sentence(view),
                    }
                    by_demand.setdefault(member["ref"], []).append(entry)
        placements = await placed_employees(uc, principal, demands)
        names = await provider_names(
            uc, {p["offering_id"] for p in proposals} | {p["offering_id"] for p in placements}
        )
        return {
            "demands": demands,
            "placed": placed,
            "proposals": by_demand,
            "placements": placements,
            "provider_names": names,
            "expected": {region: expected_proposal(uc, region) for region in regions},
        }

    async def placed_employees(uc: Matching, principal: Principal, demands: list[dict]) -> list[dict]:
        """Accepted placements of the employer's demands, with the start moment they are placed in."""
        titles = {d["_id"]: d["title"] for d in demands}
        accepted = await uc.store.find(
            PLACEMENTS, {"commissioner_org": principal.org, "status": "accepted", "demand_id": {"$ne": None}}
        )
        proposals = {
            p["_id"]: p
            for p in await uc.store.find(PROPOSALS, {"_id": {"$in": [a["proposal_id"] for a in accepted]}})
        }
        rows = []
        for placement in accepted:
            proposal = proposals.get(placement["proposal_id"], {})
            rows.append(
                {
                    "demand_title": titles.get(placement["demand_id"], "opleidingsvraag"),
                    "seats": placement["seats"],
                    "cohort": proposal.get("cohort", {}),
                    "offering_id": proposal.get("offering_id", ""),
                }
            )
        return sorted(rows, key=lambda r: (r["cohort"].get("start_date", ""), r["demand_title"]))

    @router.get("/matching/vragen", response_class=HTMLResponse)
    async def my_demands(request: Request, principal: PagePrincipal) -> HTMLResponse:
        if not signed_in_as(principal, "employer", "rmt"):
            return sign_in_needed(request, principal, "Mijn opleidingsvragen", "werkgever")
        assert principal is not None
        context = await my_demands_context(_matching(request), principal)
        notice = request.query_params.get("melding", "")[:200]
        return render(
            request, "demands.html", principal, title="Mijn opleidingsvragen", notice=notice, **context
        )

    @router.get("/matching/vragen/nieuw", response_class=HTMLResponse)
    def new_demand_form(request: Request, principal: PagePrincipal) -> HTMLResponse:
        if not signed_in_as(principal, "employer", "rmt"):
            return sign_in_needed(request, principal, "Nieuwe opleidingsvraag", "werkgever")
        return _demand_form(request, principal, {}, [])

    def _demand_form(
        request: Request,
        principal: Principal | None,
        values: dict[str, Any],
        errors: list[FieldError],
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
        return render(
            request,
            "demand_form.html",
            principal,
            status,
            title="Nieuwe opleidingsvraag",
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
            return sign_in_needed(request, principal, "Nieuwe opleidingsvraag", "werkgever")
        assert principal is not None
        budget = _cents(budget_euro)
        try:
            body = DemandCreate.model_validate(
                {
                    "title": title,
                    "commissioner_kind": "rmt" if principal.role == "rmt" else "employer",
                    # the payer's name on the provider's go/no-go page and on the surcharge
                    "commissioner_name": ORGANISATION_NAMES.get(principal.org, ""),
                    "region": region,
                    "location": {"municipality": municipality},
                    "max_distance_km": max_distance_km,
                    "level": _whole(level),
                    "code": code or None,
                    "participants": participants,
                    "allow_split": bool(allow_split),
                    "start_from": start_from,
                    "start_until": start_until,
                    "budget_per_participant_cents": None if isinstance(budget, str) else budget,
                    "essential_skills": essential_skills or [],
                    "optional_skills": optional_skills or [],
                    "delivery_wishes": delivery_wishes or [],
                }
            )
        except ValidationError as error:
            errors = _form_errors(error, DEMAND_LABELS)
            if isinstance(budget, str):
                errors.append(FieldError("budget_euro", "het budget", budget))
            return _demand_form(request, principal, values, errors, 422)
        if isinstance(budget, str):
            return _demand_form(
                request, principal, values, [FieldError("budget_euro", "het budget", budget)], 422
            )
        uc = _matching(request)
        await uc.post_demand(principal, body)
        await pool_region_now(uc, principal, body.region)
        return _notice("/matching/vragen", "Uw opleidingsvraag is geplaatst.")

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
            return sign_in_needed(request, principal, "Inloggen", "werkgever")
        target = next if next.startswith("/matching/") else "/matching/vragen"
        if decision == "toeslag":  # a surcharge is never accepted in one click: show what it costs first
            query = urlencode({"vraag": demand_id})
            return RedirectResponse(f"/matching/voorstellen/{proposal_id}/toeslag?{query}", status_code=303)
        if decision == "afwijzen" and not reason.strip():
            return _notice(target, "Niet gelukt: vul een reden in om het voorstel af te wijzen.")
        try:
            body = ProposalDecision(
                demand_id=demand_id or None,
                candidate_ref=candidate_ref or None,
                candidate_agreed=bool(candidate_ref),
                reason=reason.strip() or None,
            )
            await _matching(request).decide(principal, proposal_id, body, accept=decision == "accepteren")
            message = "Voorstel geaccepteerd." if decision == "accepteren" else "Voorstel afgewezen."
        except (Problem, ValidationError) as error:
            message = "Niet gelukt: " + refusal(error)
        return _notice(target, message)

    async def surcharge_context(uc: Matching, principal: Principal, proposal_id: str, demand_id: str) -> dict:
        proposal = await uc.visible_proposal(principal, proposal_id)
        demand = await uc.visible_demand(principal, demand_id)
        view = proposal_view(principal, proposal)
        names = await provider_names(uc, {proposal["offering_id"]})
        return {
            "proposal": view,
            "demand": demand,
            "empty_seats": max(0, proposal["break_even"] - proposal["fill_after"]),
            "provider_name": names.get(proposal["offering_id"]),
            "explained": group_sentence(view),
        }

    @router.get("/matching/voorstellen/{proposal_id}/toeslag", response_class=HTMLResponse)
    async def confirm_surcharge(
        request: Request, proposal_id: str, principal: PagePrincipal, vraag: str = ""
    ) -> HTMLResponse:
        if not signed_in_as(principal, "employer", "rmt"):
            return sign_in_needed(request, principal, "Lege-stoelentoeslag", "werkgever")
        assert principal is not None
        context = await surcharge_context(_matching(request), principal, proposal_id, vraag[:80])
        return render(
            request, "surcharge_confirm.html", principal, title="Lege-stoelentoeslag bevestigen", **context
        )

    @router.post("/matching/voorstellen/{proposal_id}/toeslag", response_model=None)
    async def accept_surcharge(
        request: Request,
        proposal_id: str,
        principal: PagePrincipal,
        demand_id: Annotated[str, Form(max_length=80)] = "",
        amount_cents: Annotated[str, Form(max_length=12)] = "",
        confirmed: Annotated[str, Form(max_length=5)] = "",
    ) -> RedirectResponse | HTMLResponse:
        if not signed_in_as(principal, "employer", "rmt"):
            return sign_in_needed(request, principal, "Lege-stoelentoeslag", "werkgever")
        assert principal is not None
        uc = _matching(request)
        if confirmed != "ja":
            context = await surcharge_context(uc, principal, proposal_id, demand_id)
            error = FieldError(
                "confirmed", "de bevestiging", "Vink aan dat u de toeslag betaalt als de groep start."
            )
            return render(
                request,
                "surcharge_confirm.html",
                principal,
                422,
                title="Lege-stoelentoeslag bevestigen",
                errors=[error],
                **context,
            )
        try:
            shown = int(amount_cents) if amount_cents.isdigit() else None
            accepted = await uc.accept_surcharge(principal, proposal_id, demand_id, shown)
            message = f"Lege-stoelentoeslag geaccepteerd: u betaalt hoogstens {euro(accepted['cap_cents'])}."
        except Problem as problem:
            message = "Niet gelukt: " + refusal(problem)
        return _notice("/matching/vragen", message)

    # Mobility team ------------------------------------------------------------------------------

    async def candidate_names(uc: Matching, region: str) -> dict[str, str]:
        docs = await uc.store.find(CANDIDATES, {"region": region, "status": "active"})
        return {d["_id"]: candidate_name(d) for d in docs}

    async def explained_matches(uc: Matching, principal: Principal, ref: str, k: int) -> list[dict]:
        try:
            matches = await uc.candidate_matches(principal, ref, k)
        except Problem:
            return []
        names = await provider_names(uc, {m["offering_id"] for m in matches})
        return [
            m | {"reasons": reasons(m["factors"], skills.label), "provider_name": names.get(m["offering_id"])}
            for m in matches
        ]

    @router.get("/matching/mobiliteitsteam", response_class=HTMLResponse)
    async def dashboard(request: Request, principal: PagePrincipal) -> HTMLResponse:
        if not signed_in_as(principal, "rmt"):
            return sign_in_needed(request, principal, "Mobiliteitsteam", "mobiliteitsteam")
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
                best[candidate["_id"]] = await explained_matches(uc, principal, candidate["_id"], 3)
        fill = [f for f in await uc.region_fill(principal, region) if f["missing_to_break_even"] > 0][:15]
        open_proposals = await uc.store.find(PROPOSALS, {"region": region, "status": "open"})
        names = await provider_names(uc, {p["offering_id"] for p in open_proposals})
        proposals = [
            proposal_view(principal, p)
            | {"explained": group_sentence(p), "provider_name": names.get(p["offering_id"])}
            for p in open_proposals
        ]
        notice = request.query_params.get("melding", "")[:200]
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
            proposals=proposals,
            rule_labels=RULE_LABELS,
            notice=notice,
        )

    @router.post("/matching/mobiliteitsteam/pooling", response_model=None)
    async def pool_region(request: Request, principal: PagePrincipal) -> RedirectResponse | HTMLResponse:
        if not signed_in_as(principal, "rmt"):
            return sign_in_needed(request, principal, "Mobiliteitsteam", "mobiliteitsteam")
        assert principal is not None
        run = await _matching(request).run_pooling(principal, principal.region or "flevoland")
        message = (
            f"{len(run['proposal_ids'])} groepsvoorstellen berekend; "
            f"{run['cohorts_tipped']} groepen halen daarmee het minimum."
        )
        return _notice("/matching/mobiliteitsteam", message)

    @router.get("/matching/mobiliteitsteam/kandidaat", response_class=HTMLResponse)
    def new_candidate_form(request: Request, principal: PagePrincipal) -> HTMLResponse:
        if not signed_in_as(principal, "rmt"):
            return sign_in_needed(request, principal, "Kandidaat inschrijven", "mobiliteitsteam")
        return _candidate_form(request, principal, {}, [])

    def _candidate_form(
        request: Request,
        principal: Principal | None,
        values: dict[str, Any],
        errors: list[FieldError],
        status: int = 200,
    ) -> HTMLResponse:
        today = date.today()
        defaults = {
            "available_from": (today + timedelta(days=7)).isoformat(),
            "available_until": (today + timedelta(days=240)).isoformat(),
            "max_distance_km": 25,
        }
        return render(
            request,
            "candidate_form.html",
            principal,
            status,
            title="Kandidaat inschrijven",
            values=defaults | values,
            errors=errors,
            places=[p.municipality for p in PLACES if principal is None or p.region == principal.region]
            or [p.municipality for p in PLACES],
            skills=[s for s in skills.skills if not s.deprecated],
            delivery_modes=[(m, DELIVERY_LABELS[m]) for m in DELIVERY_MODES],
        )

    @router.post("/matching/mobiliteitsteam/kandidaat", response_class=HTMLResponse, response_model=None)
    async def register_candidate(
        request: Request,
        principal: PagePrincipal,
        display_name: Annotated[str, Form(max_length=120)] = "",
        email: Annotated[str, Form(max_length=200)] = "",
        phone: Annotated[str, Form(max_length=40)] = "",
        municipality: Annotated[str, Form(max_length=80)] = "",
        max_distance_km: Annotated[str, Form(max_length=10)] = "25",
        available_from: Annotated[str, Form(max_length=10)] = "",
        available_until: Annotated[str, Form(max_length=10)] = "",
        target_level: Annotated[str, Form(max_length=2)] = "",
        budget_euro: Annotated[str, Form(max_length=12)] = "",
        goal_essential_skills: Annotated[list[str] | None, Form()] = None,
        delivery_wishes: Annotated[list[str] | None, Form()] = None,
        consent: Annotated[str, Form(max_length=5)] = "",
    ) -> HTMLResponse | RedirectResponse:
        values = {
            "display_name": display_name,
            "email": email,
            "phone": phone,
            "municipality": municipality,
            "max_distance_km": max_distance_km,
            "available_from": available_from,
            "available_until": available_until,
            "target_level": target_level,
            "budget_euro": budget_euro,
            "goal_essential_skills": goal_essential_skills or [],
            "delivery_wishes": delivery_wishes or [],
            "consent": bool(consent),
        }
        if not signed_in_as(principal, "rmt"):
            return sign_in_needed(request, principal, "Kandidaat inschrijven", "mobiliteitsteam")
        assert principal is not None
        errors: list[FieldError] = []
        if not display_name.strip():
            errors.append(FieldError("display_name", "de naam", "Vul de naam van de kandidaat in."))
        if consent != "ja":
            errors.append(
                FieldError("consent", "de toestemming", "Vraag de kandidaat om toestemming en vink die aan.")
            )
        budget = _cents(budget_euro)
        if isinstance(budget, str):
            errors.append(FieldError("budget_euro", "het budget", budget))
        body = None
        try:
            body = CandidateCreate.model_validate(
                {
                    "region": principal.region or "flevoland",
                    "location": {"municipality": municipality},
                    "max_distance_km": max_distance_km,
                    "available_from": available_from,
                    "available_until": available_until,
                    "target_level": _whole(target_level),
                    "goal_essential_skills": goal_essential_skills or [],
                    "delivery_wishes": delivery_wishes or [],
                    "budget_cents": None if isinstance(budget, str) else budget,
                    "consent": {"purpose": "matching", "given_on": date.today().isoformat()},
                    "personal": {
                        "display_name": display_name.strip(),
                        "email": email.strip(),
                        "phone": phone.strip(),
                    },
                }
            )
        except ValidationError as error:
            errors += _form_errors(error, CANDIDATE_LABELS)
        if errors or body is None:
            return _candidate_form(request, principal, values, errors, 422)
        uc = _matching(request)
        doc = await uc.register_candidate(principal, body)
        await pool_region_now(uc, principal, body.region)
        return RedirectResponse(f"/matching/mobiliteitsteam/kandidaten/{doc['_id']}", status_code=303)

    @router.get("/matching/mobiliteitsteam/kandidaten/{ref}", response_class=HTMLResponse)
    async def candidate_page(request: Request, ref: str, principal: PagePrincipal) -> HTMLResponse:
        if not signed_in_as(principal, "rmt"):
            return sign_in_needed(request, principal, "Kandidaat", "mobiliteitsteam")
        assert principal is not None
        uc = _matching(request)
        candidate = await uc.visible_candidate(principal, ref)
        matches = await explained_matches(uc, principal, ref, 5)
        open_proposals = await uc.store.find(PROPOSALS, {"region": candidate["region"], "status": "open"})
        mine = [p for p in open_proposals if any(m.get("ref") == ref for m in p["members"])]
        names = await provider_names(uc, {p["offering_id"] for p in mine})
        placements = await uc.store.find(PLACEMENTS, {"candidate_ref": ref})
        return render(
            request,
            "candidate.html",
            principal,
            title=candidate_name(candidate),
            candidate=candidate,
            name=candidate_name(candidate),
            matches=matches,
            proposals=[
                proposal_view(principal, p)
                | {"explained": group_sentence(p), "provider_name": names.get(p["offering_id"])}
                for p in mine
            ],
            placed={p["proposal_id"]: p for p in placements},
            notice=request.query_params.get("melding", "")[:200],
        )

    router.include_router(pages.demo_sign_in_router())
    return router


async def pool_region_now(uc: Matching, principal: Principal, region: str) -> None:
    """A demand or candidate placed through the pages is pooled with its region at once, so a group
    proposal appears without anyone pressing a button. What was saved stays saved if pooling fails."""
    try:
        await uc.run_pooling(principal, region)
    except Problem:
        log.exception("pooling after a page change failed", extra={"region": region})


def expected_proposal(uc: Matching, region: str) -> str:
    """When a demand without a proposal can expect one: the region's next pooling run, in words."""
    if uc.schedule is None:
        return "Groepsvoorstellen worden opnieuw berekend als er een vraag of kandidaat bijkomt."
    wait = (uc.schedule.next_run(region) - uc.schedule.clock.now()).total_seconds()
    if wait <= 60:
        return (
            "De groepsvoorstellen worden binnen een minuut opnieuw berekend: past er een startmoment, "
            "dan verschijnt hier binnen enkele minuten een voorstel."
        )
    minutes = math.ceil(wait / 60)
    return (
        f"De groepsvoorstellen worden over ongeveer {minutes} minuten opnieuw berekend, en meteen als er "
        "een vraag of kandidaat bijkomt. Past er dan een startmoment, dan verschijnt het voorstel hier."
    )


def candidate_name(doc: dict[str, Any]) -> str:
    """The candidate's name for the mobility team; never the reference."""
    name = (doc.get("personal") or {}).get("display_name")
    place = ((doc.get("profile") or {}).get("location") or {}).get("municipality")
    return name or (f"Kandidaat uit {place}" if place else "Kandidaat zonder naam")


def refusal(error: Problem | ValidationError) -> str:
    """Why a decision did not go through, in Dutch (the use cases answer in English for the API)."""
    if isinstance(error, ValidationError):
        return "controleer wat u heeft ingevuld."
    known = {
        409: "dit is al besloten of intussen veranderd. Bekijk de pagina opnieuw.",
        403: "dit mag u niet voor deze organisatie.",
        404: "dit voorstel bestaat niet (meer).",
        422: "dit voorstel hoort niet bij deze vraag of er ontbreekt iets.",
    }
    return known.get(error.status, "probeer het later opnieuw.")


def _whole(text: str) -> int | str | None:
    """A select's number ("2") as the model's int; anything else is left for the model to refuse."""
    return int(text) if text.isdigit() else (text or None)


def _cents(euro_text: str) -> int | str | None:
    """ "2.500,00" -> 250000; empty -> None; anything else -> a Dutch sentence saying how to write it."""
    text = euro_text.strip().replace("€", "").replace(" ", "")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif text.count(".") == 1 and len(text.split(".")[1]) == 3:
        text = text.replace(".", "")  # "2.500" is two thousand five hundred
    try:
        cents = round(float(text) * 100)
    except (ValueError, OverflowError):  # "veel", "nan", "inf"
        return BUDGET_ERROR
    return cents if 0 <= cents <= 100_000_000 else BUDGET_ERROR
