"""Service tests: the matching app with memory adapters, fed with catalogue events."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from matching.domain.pooling import pool_optimal
from matching.usecases import pooling
from services.matching.tests.catalogue_events import (
    cohort_event,
    cohort_scheduled,
    deliver,
    offering_published,
    published,
)
from tests.fixtures.apps import bearer
from tests.support import eventually

API = "/matching/api/v1"


def demand_body(**changes: Any) -> dict[str, Any]:
    return {
        "title": "Helpenden voor onze locaties",
        "commissioner_name": "Zorggroep Almere",
        "region": "flevoland",
        "location": {"municipality": "Almere"},
        "max_distance_km": 30,
        "domain": "zorg_welzijn_sport",
        "level": 2,
        "essential_skills": ["zorg.adl", "zorg.persoonlijke_verzorging"],
        "optional_skills": ["zorg.dementie"],
        "participants": 5,
        "start_from": "2027-01-01",
        "start_until": "2027-06-30",
        "budget_per_participant_cents": 250000,
    } | changes


def candidate_body(**changes: Any) -> dict[str, Any]:
    return {
        "region": "flevoland",
        "location": {"municipality": "Lelystad"},
        "max_distance_km": 50,
        "available_from": "2027-01-01",
        "available_until": "2027-12-31",
        "skills": ["algemeen.samenwerken"],
        "goal_essential_skills": ["zorg.adl"],
        "prior_level": 1,
        "domain": "zorg_welzijn_sport",
        "funding_eligibility": ["private"],
        "consent": {"purpose": "matching", "given_on": "2026-11-01"},
        "evidence": [{"module_code": "ADL", "praktijkscan_pct": 85, "instaptoets_pct": 82}],
        "personal": {"display_name": "Kandidaat A", "email": "a@example.org", "postcode": "8232"},
    } | changes


async def post_demand(client, headers, **changes) -> dict[str, Any]:
    response = await client.post(f"{API}/demands", json=demand_body(**changes), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


# Read model and matches -----------------------------------------------------------------


async def test_matches_read_the_catalogue_events_and_explain_every_factor(client, catalogue, as_employer):
    demand = await post_demand(client, as_employer)
    response = await client.get(f"{API}/demands/{demand['demand_id']}/matches", headers=as_employer)
    assert response.status_code == 200
    (match,) = response.json()["items"]
    assert match["cohort_id"] == "COH-ALM-1" and match["feasible"]
    assert {f["factor"] for f in match["factors"]} == {
        "skills_essential",
        "skills_optional",
        "level",
        "distance",
        "start_date",
        "price",
        "delivery",
    }
    assert match["score"] == pytest.approx(sum(f["contribution"] for f in match["factors"]), abs=0.05)
    assert match["cohort"]["title"] == "Helpende Zorg & Welzijn"


async def test_cancelled_cohort_and_withdrawn_offering_drop_out_of_matches(
    client, bus, catalogue, as_employer
):
    demand = await post_demand(client, as_employer)
    await deliver(
        bus, cohort_event("CohortCancelled", "COH-ALM-1", provider_id="BRIN-25LH", reason="too_few")
    )
    response = await client.get(f"{API}/demands/{demand['demand_id']}/matches", headers=as_employer)
    assert response.json()["items"] == []


async def test_an_older_event_does_not_overwrite_a_newer_one(client, bus, as_employer):
    newer = cohort_scheduled(seats_left=3, seats_taken=13)
    older = cohort_scheduled(seats_left=16).model_copy(
        update={"occurred_at": newer.occurred_at.replace(year=2020)}
    )
    await deliver(bus, offering_published(), newer, older)
    demand = await post_demand(client, as_employer)
    response = await client.get(f"{API}/demands/{demand['demand_id']}/matches", headers=as_employer)
    assert response.json()["items"] == []  # 3 seats left for 5 people: the newer count holds


# Demands: events, tenancy, bad input ------------------------------------------------------


async def test_posting_a_demand_publishes_demand_posted(client, bus, as_employer):
    demand = await post_demand(client, as_employer)

    def posted():
        return [e for e in published(bus, "matching.demand.v1") if e.aggregate_id == demand["demand_id"]]

    await eventually(posted, what="DemandPosted on matching.demand.v1")
    (event,) = posted()
    assert event.event_type == "DemandPosted"
    assert event.payload["participants"] == 5 and event.payload["commissioner_org"] == "KVK-39084217"


async def test_update_and_close_use_the_version_and_publish(client, bus, as_employer):
    demand = await post_demand(client, as_employer)
    url = f"{API}/demands/{demand['demand_id']}"
    updated = await client.patch(url, json={"participants": 7, "version": 1}, headers=as_employer)
    assert updated.status_code == 200 and updated.json()["participants"] == 7
    stale = await client.patch(url, json={"participants": 8, "version": 1}, headers=as_employer)
    assert stale.status_code == 409
    closed = await client.post(
        f"{url}/close", json={"reason": "withdrawn", "version": 2}, headers=as_employer
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    await eventually(lambda: len(published(bus, "matching.demand.v1")) == 3, what="three demand events")
    assert [e.event_type for e in published(bus, "matching.demand.v1")] == [
        "DemandPosted",
        "DemandUpdated",
        "DemandClosed",
    ]


async def test_an_employer_never_sees_another_employers_demands(client, as_employer, as_other_employer):
    mine = await post_demand(client, as_employer)
    theirs = await post_demand(client, as_other_employer, title="Andere vraag")
    listed = (await client.get(f"{API}/demands", headers=as_employer)).json()
    assert [d["demand_id"] for d in listed["items"]] == [mine["demand_id"]] and listed["total"] == 1
    assert (await client.get(f"{API}/demands/{theirs['demand_id']}", headers=as_employer)).status_code == 404
    patch = await client.patch(
        f"{API}/demands/{theirs['demand_id']}", json={"version": 1}, headers=as_employer
    )
    assert patch.status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"essential_skills": ["zorg.toveren"]}, "essential_skills"),
        ({"level": 9}, "level"),
        ({"region": "atlantis"}, "region"),
        ({"participants": 0}, "participants"),
        ({"start_until": "2026-12-01"}, "body"),
        ({"location": {"municipality": "Nergenshuizen"}}, "location"),
        ({"delivery_wishes": ["teleportatie"]}, "delivery_wishes"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
async def test_bad_demand_input_is_a_422_naming_the_field_and_stores_nothing(
    client, as_employer, changes, field
):
    response = await client.post(f"{API}/demands", json=demand_body(**changes), headers=as_employer)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(e["field"].startswith(field) or field == "body" for e in response.json()["errors"])
    assert (await client.get(f"{API}/demands", headers=as_employer)).json()["total"] == 0


async def test_roles_and_filters_are_checked(client, settings, as_employer):
    assert (await client.post(f"{API}/demands", json=demand_body())).status_code == 401
    provider = bearer(settings, "provider", "BRIN-25LH")
    assert (await client.post(f"{API}/demands", json=demand_body(), headers=provider)).status_code == 403
    assert (await client.get(f"{API}/demands?status=weird", headers=as_employer)).status_code == 422
    assert (await client.get(f"{API}/demands?limit=1000", headers=as_employer)).status_code == 422
    assert (await client.get(f"{API}/candidates", headers=as_employer)).status_code == 403


async def test_demands_paginate_with_a_cursor(client, as_employer):
    ids = sorted([(await post_demand(client, as_employer))["demand_id"] for _ in range(3)])
    first = (await client.get(f"{API}/demands?limit=2", headers=as_employer)).json()
    second = (await client.get(f"{API}/demands?limit=2&cursor={first['next']}", headers=as_employer)).json()
    assert [d["demand_id"] for d in first["items"] + second["items"]] == ids
    assert first["total"] == 3 and second["next"] is None


async def test_a_cursor_no_page_handed_out_is_a_400(client, as_employer):
    answer = await client.get(f"{API}/demands?limit=2&cursor=D-000000000000", headers=as_employer)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")


# Candidates ------------------------------------------------------------------------------------


async def register(client, headers, **changes) -> dict[str, Any]:
    response = await client.post(f"{API}/candidates", json=candidate_body(**changes), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_candidate_is_registered_pseudonymously_and_shows_prior_learning(client, bus, as_rmt):
    candidate = await register(client, as_rmt)
    assert candidate["prior_learning"]["rule_would_skip"] == ["ADL"]
    assert candidate["prior_learning"]["exempted_by_examencommissie"] == []
    assert candidate["consent_active"] is True
    await eventually(lambda: published(bus, "matching.candidate.v1"), what="CandidateRegistered")
    (event,) = published(bus, "matching.candidate.v1")
    assert event.payload == {"candidate_ref": candidate["candidate_ref"], "region": "flevoland"}


async def test_a_mobility_team_sees_only_its_region(client, as_rmt, as_other_rmt, as_employer):
    candidate = await register(client, as_rmt)
    ref = candidate["candidate_ref"]
    assert (await client.get(f"{API}/candidates/{ref}", headers=as_other_rmt)).status_code == 404
    assert (await client.get(f"{API}/candidates", headers=as_other_rmt)).json()["total"] == 0
    assert (await client.get(f"{API}/candidates/{ref}", headers=as_employer)).status_code == 403
    elsewhere = await client.post(f"{API}/candidates", json=candidate_body(region="twente"), headers=as_rmt)
    assert elsewhere.status_code == 403


async def test_erasure_removes_personal_data_and_publishes_candidate_erased(client, bus, as_rmt):
    ref = (await register(client, as_rmt))["candidate_ref"]
    erased = await client.delete(f"{API}/candidates/{ref}", headers=as_rmt)
    assert erased.status_code == 200
    body = erased.json()
    assert body["status"] == "erased"
    assert not {"personal", "profile", "consents", "evidence", "payers"} & set(body)
    assert "a@example.org" not in erased.text
    await eventually(lambda: len(published(bus, "matching.candidate.v1")) == 2, what="CandidateErased")
    last = published(bus, "matching.candidate.v1")[-1]
    assert last.event_type == "CandidateErased" and set(last.payload) == {"candidate_ref", "region"}


async def test_candidate_matches_need_consent(client, catalogue, as_rmt):
    ref = (await register(client, as_rmt))["candidate_ref"]
    matches = (await client.get(f"{API}/candidates/{ref}/matches", headers=as_rmt)).json()["items"]
    assert [m["cohort_id"] for m in matches] == ["COH-ALM-1"]
    withdrawn = await client.post(f"{API}/candidates/{ref}/consents/matching/withdraw", headers=as_rmt)
    assert withdrawn.json()["consent_active"] is False
    assert (await client.get(f"{API}/candidates/{ref}/matches", headers=as_rmt)).status_code == 409


# Pooling, placements, surcharge ----------------------------------------------------------


async def test_three_employers_pooled_into_one_cohort_each_sees_only_itself(
    client, settings, bus, catalogue, as_rmt
):
    orgs = ["KVK-39084217", "KVK-20000002", "KVK-30000003"]
    tokens = [bearer(settings, "employer", org, "flevoland") for org in orgs]
    demands = [
        await post_demand(client, token, participants=size)
        for token, size in zip(tokens, (5, 4, 3), strict=True)
    ]
    run = await client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_rmt)
    assert run.status_code == 201, run.text
    assert run.json()["cohorts_tipped"] == 1 and run.json()["people_placed"] == 12
    seen = (await client.get(f"{API}/group-proposals", headers=tokens[0])).json()["items"]
    (proposal,) = seen
    assert (
        proposal["fill_after"] == 12 and proposal["surcharge_cents"] == 0 and proposal["reaches_break_even"]
    )
    own = [m for m in proposal["members"] if m["kind"] == "demand"]
    assert [m["ref"] for m in own] == [demands[0]["demand_id"]]
    assert sorted(m["seats"] for m in proposal["members"] if m["kind"] == "other") == [3, 4]
    await eventually(lambda: published(bus, "matching.proposal.v1"), what="GroupProposed")
    event = published(bus, "matching.proposal.v1")[0]
    assert sorted(event.payload["demand_ids"]) == sorted(d["demand_id"] for d in demands)


async def test_requests_are_answered_while_a_pooling_run_is_solving(
    client, catalogue, as_employer, as_rmt, monkeypatch
):
    """The solver holds the CPU for seconds per region; it must not hold the event loop too."""
    solving, answered = threading.Event(), threading.Event()
    answered_while_solving: list[bool] = []

    def slow_solver(*args: Any) -> Any:
        solving.set()
        # Waits for the concurrent request below; on the event loop it would never get answered
        # (the timeout only ends that failing case).
        answered_while_solving.append(answered.wait(timeout=10))
        return pool_optimal(*args)

    monkeypatch.setattr(pooling, "pool_optimal", slow_solver)
    await post_demand(client, as_employer, participants=12)
    run = asyncio.create_task(
        client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_rmt)
    )
    assert await asyncio.to_thread(solving.wait, 10)
    listed = await client.get(f"{API}/demands", headers=as_employer)
    assert listed.status_code == 200, listed.text
    answered.set()
    assert (await run).status_code == 201
    assert answered_while_solving == [True]


async def test_surcharge_is_shown_and_accepted_only_after_placement_and_up_to_the_amount(
    client, bus, catalogue, as_employer, as_rmt
):
    demand = await post_demand(client, as_employer, participants=8)
    await client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_rmt)
    (proposal,) = (await client.get(f"{API}/group-proposals", headers=as_employer)).json()["items"]
    assert proposal["surcharge_cents"] == (12 - 8) * 180000
    surcharge = {"proposal_id": proposal["proposal_id"], "demand_id": demand["demand_id"]}
    early = await client.post(f"{API}/surcharge-acceptances", json=surcharge, headers=as_employer)
    assert early.status_code == 409
    accepted = await client.post(
        f"{API}/group-proposals/{proposal['proposal_id']}/accept",
        json={"demand_id": demand["demand_id"]},
        headers=as_employer,
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["funding_kind"] == "private"
    too_much = await client.post(
        f"{API}/surcharge-acceptances", json=surcharge | {"cap_cents": 720001}, headers=as_employer
    )
    assert too_much.status_code == 422
    ok = await client.post(f"{API}/surcharge-acceptances", json=surcharge, headers=as_employer)
    assert ok.status_code == 201 and ok.json()["cap_cents"] == 720000
    await eventually(lambda: published(bus, "matching.surcharge.v1"), what="SurchargeAccepted")
    event = published(bus, "matching.surcharge.v1")[0]
    assert event.payload["cap_cents"] == 720000 and event.payload["payer"]["payer_id"] == "KVK-39084217"
    assert event.payload["seats"] == 8
    placements = published(bus, "matching.placement.v1")
    assert [e.event_type for e in placements] == ["PlacementAccepted"]
    assert placements[0].payload["payers"][0]["scheme"] == "0106"


async def test_a_rejection_needs_a_reason_and_keeps_the_cohort_out_of_the_next_run(
    client, bus, catalogue, as_employer, as_rmt, as_other_employer
):
    demand = await post_demand(client, as_employer)
    await client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_rmt)
    (proposal,) = (await client.get(f"{API}/group-proposals", headers=as_employer)).json()["items"]
    url = f"{API}/group-proposals/{proposal['proposal_id']}"
    foreign = await client.post(
        f"{url}/reject", json={"demand_id": demand["demand_id"], "reason": "x"}, headers=as_other_employer
    )
    assert foreign.status_code == 404
    no_reason = await client.post(
        f"{url}/reject", json={"demand_id": demand["demand_id"]}, headers=as_employer
    )
    assert no_reason.status_code == 422
    rejected = await client.post(
        f"{url}/reject", json={"demand_id": demand["demand_id"], "reason": "te ver weg"}, headers=as_employer
    )
    assert rejected.status_code == 201
    again = await client.post(
        f"{url}/reject", json={"demand_id": demand["demand_id"], "reason": "dubbel"}, headers=as_employer
    )
    assert again.status_code == 409
    run = (
        await client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_rmt)
    ).json()
    assert run["people_placed"] == 0 and run["unplaced"] == [demand["demand_id"]]


async def test_a_candidate_is_placed_only_with_agreement(client, catalogue, as_rmt, as_other_rmt):
    ref = (await register(client, as_rmt))["candidate_ref"]
    await client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_rmt)
    (proposal,) = (await client.get(f"{API}/group-proposals", headers=as_rmt)).json()["items"]
    url = f"{API}/group-proposals/{proposal['proposal_id']}/accept"
    assert (await client.post(url, json={"candidate_ref": ref}, headers=as_rmt)).status_code == 422
    assert (
        await client.post(url, json={"candidate_ref": ref, "candidate_agreed": True}, headers=as_other_rmt)
    ).status_code == 404
    ok = await client.post(url, json={"candidate_ref": ref, "candidate_agreed": True}, headers=as_rmt)
    assert ok.status_code == 201 and ok.json()["candidate_ref"] == ref
    other_region = await client.post(
        f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_other_rmt
    )
    assert other_region.status_code == 403


async def test_region_fill_shows_what_would_tip_a_cohort(client, catalogue, as_employer, as_rmt):
    await post_demand(client, as_employer, participants=9)
    await client.post(f"{API}/group-proposals/runs", json={"region": "flevoland"}, headers=as_rmt)
    (item,) = (await client.get(f"{API}/regions/flevoland/fill", headers=as_rmt)).json()["items"]
    assert item["missing_to_break_even"] == 12 and item["fitting_people"] == 9
    assert item["proposed_seats"] == 9 and item["tipped_by_proposals"] is False
    assert item["surcharge_now_cents"] == 12 * 180000


async def test_evidence_records_examencommissie_decisions_apart_from_the_rule(client, as_rmt):
    ref = (await register(client, as_rmt))["candidate_ref"]
    url = f"{API}/candidates/{ref}/evidence"
    undocumented = [{"module_code": "ADL", "praktijkscan_pct": 90, "exemption": "granted"}]
    assert (await client.put(url, json=undocumented, headers=as_rmt)).status_code == 422
    evidence = [
        {"module_code": "ADL", "praktijkscan_pct": 90, "instaptoets_pct": 85},
        {
            "module_code": "HYG",
            "praktijkscan_pct": 50,
            "exemption": "granted",
            "exemption_decided_on": "2026-11-01",
            "exemption_reference": "EC-2026-031",
        },
    ]
    updated = await client.put(url, json=evidence, headers=as_rmt)
    assert updated.status_code == 200
    prior = updated.json()["prior_learning"]
    assert prior["rule_would_skip"] == ["ADL"] and prior["exempted_by_examencommissie"] == ["HYG"]
