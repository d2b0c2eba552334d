"""The authorisation matrix, generated from the four OpenAPI documents and held against an explicit
table of who may do what. An operation missing from the table (or a table row for an operation
that no longer exists) fails the test, so every new endpoint gets its row.

Each row: one symbol per caller, in the order of `authz.CALLERS`:
anonymous | employer provider finance rmt admin (the owners) | the same roles of other organisations.
  y  gets through (not 401, 403 or 404)
  .  refused (401, 403, or 404: someone else's resource does not exist for you)
  i  gets through the role check and stops at the empty body (422)
  ~  the body is validated before the organisation is checked: 422 or refused; the service tests
     send valid bodies for these (a 2xx here would be a leak and fails)
"""

from __future__ import annotations

import httpx

from llo.embedded import SERVICES, EmbeddedApp, service_factories
from tests.security.authz import CALLERS, REFUSED, headers_for, operations, status_of

ALLOWED = {
    "GET /catalogue/healthz": "y yyyyy yyyy",
    "GET /catalogue/readyz": "y yyyyy yyyy",
    "GET /catalogue/api/v1/providers": "y yyyyy yyyy",
    "POST /catalogue/api/v1/providers": ". .i..i .i..",
    "GET /catalogue/api/v1/providers/{provider_id}": "y yyyyy yyyy",
    "GET /catalogue/api/v1/consortia": "y yyyyy yyyy",
    "POST /catalogue/api/v1/consortia": ". .i..i .i..",
    "GET /catalogue/api/v1/consortia/{consortium_id}": "y yyyyy yyyy",
    "POST /catalogue/api/v1/consortia/{consortium_id}/members": ". .i..i .~..",
    "DELETE /catalogue/api/v1/consortia/{consortium_id}/members/{provider_id}": ". .i..i ....",
    "GET /catalogue/api/v1/offerings": "y yyyyy yyyy",
    "POST /catalogue/api/v1/offerings": ". .i..i .i..",
    "GET /catalogue/api/v1/offerings/{offering_id}": "y yyyyy yyyy",
    "PUT /catalogue/api/v1/offerings/{offering_id}": ". .i..i .~..",
    "POST /catalogue/api/v1/offerings/{offering_id}/withdraw": ". .y..y ....",
    "GET /catalogue/api/v1/cohorts": "y yyyyy yyyy",
    "POST /catalogue/api/v1/cohorts": ". .i..i .i..",
    "GET /catalogue/api/v1/cohorts/{cohort_id}": ". .yy.y ....",
    "PUT /catalogue/api/v1/cohorts/{cohort_id}": ". .i..i .~..",
    "POST /catalogue/api/v1/cohorts/{cohort_id}/status": ". .i..i .~..",
    "POST /catalogue/api/v1/cohorts/{cohort_id}/decision": ". .i..i .~..",
    "GET /catalogue/api/v1/decisions": ". .y..y .y..",
    "POST /catalogue/api/v1/decisions/sweep": ". ....y ....",
    "GET /catalogue/api/v1/search": "y yyyyy yyyy",
    "GET /catalogue/api/v1/skills": "y yyyyy yyyy",
    "GET /catalogue/api/v1/places": "y yyyyy yyyy",
    "GET /matching/healthz": "y yyyyy yyyy",
    "GET /matching/readyz": "y yyyyy yyyy",
    "POST /matching/api/v1/demands": ". i..ii i..i",
    "GET /matching/api/v1/demands": ". y..yy y..y",
    "GET /matching/api/v1/demands/{demand_id}": ". y...y ....",
    "PATCH /matching/api/v1/demands/{demand_id}": ". i..ii ~..~",
    "POST /matching/api/v1/demands/{demand_id}/close": ". i..ii ~..~",
    "GET /matching/api/v1/demands/{demand_id}/matches": ". y...y ....",
    "POST /matching/api/v1/candidates": ". ...ii ...i",
    "GET /matching/api/v1/candidates": ". ...yy ...y",
    "GET /matching/api/v1/candidates/{ref}": ". ...yy ....",
    "DELETE /matching/api/v1/candidates/{ref}": ". ...yy ....",
    "POST /matching/api/v1/candidates/{ref}/consents": ". ...ii ...~",
    "POST /matching/api/v1/candidates/{ref}/consents/{purpose}/withdraw": ". ...yy ....",
    "PUT /matching/api/v1/candidates/{ref}/evidence": ". ...ii ...~",
    "GET /matching/api/v1/candidates/{ref}/matches": ". ...yy ....",
    "POST /matching/api/v1/group-proposals/runs": ". ...ii ...i",
    "GET /matching/api/v1/group-proposals": ". y..yy y..y",
    "GET /matching/api/v1/group-proposals/{proposal_id}": ". ..... ....",
    "POST /matching/api/v1/group-proposals/{proposal_id}/accept": ". i..ii ~..~",
    "POST /matching/api/v1/group-proposals/{proposal_id}/reject": ". i..ii ~..~",
    "GET /matching/api/v1/placements": ". y..yy y..y",
    "POST /matching/api/v1/surcharge-acceptances": ". i..ii i..i",
    "GET /matching/api/v1/surcharge-acceptances": ". y..yy y..y",
    "GET /matching/api/v1/regions/{region}/fill": ". ...yy ....",
    "GET /recruitment/healthz": "y yyyyy yyyy",
    "GET /recruitment/readyz": "y yyyyy yyyy",
    "POST /recruitment/api/v1/campaigns": ". .i..i .i..",
    "GET /recruitment/api/v1/campaigns": ". .y.yy .y.y",
    "GET /recruitment/api/v1/campaigns/{campaign_id}": ". .y.yy ...y",
    "PUT /recruitment/api/v1/campaigns/{campaign_id}/plan": ". .i..i .~..",
    "POST /recruitment/api/v1/campaigns/{campaign_id}/launch": ". .y..y ....",
    "POST /recruitment/api/v1/campaigns/{campaign_id}/close": ". .y..y ....",
    "POST /recruitment/api/v1/fill-campaigns/sweep": ". .y..y .y..",
    "POST /recruitment/api/v1/applications": ". .i.ii .i.i",
    "GET /recruitment/api/v1/applications": ". .y.yy .y.y",
    "GET /recruitment/api/v1/applications/{application_id}": ". .y..y ....",
    "GET /recruitment/api/v1/applications/{application_id}/transitions": ". .y..y ....",
    "POST /recruitment/api/v1/applications/{application_id}/transitions": ". ~~~~~ ~~~~",
    "DELETE /recruitment/api/v1/applications/{application_id}/personal-data": ". .y..y ....",
    "GET /recruitment/api/v1/enrolments": ". .y.yy .y.y",
    "GET /recruitment/api/v1/campaigns/{campaign_id}/figures": ". .y..y ....",
    "GET /recruitment/api/v1/campaigns/{campaign_id}/figures.csv": ". .y..y ....",
    "GET /recruitment/api/v1/campaigns/{campaign_id}/charts/funnel.svg": ". .y..y ....",
    "GET /recruitment/api/v1/campaigns/{campaign_id}/charts/fill.svg": ". .y..y ....",
    "GET /recruitment/api/v1/figures/channels": ". .y..y .y..",
    "GET /billing/healthz": "y yyyyy yyyy",
    "GET /billing/readyz": "y yyyyy yyyy",
    "GET /billing/api/v1/entities": ". ..y.y ..y.",
    "GET /billing/api/v1/entities/{entity_id}": ". ..y.y ....",
    "PATCH /billing/api/v1/entities/{entity_id}": ". ..y.y ....",
    "GET /billing/api/v1/entities/{entity_id}/ledgers": ". ..y.y ....",
    "GET /billing/api/v1/entities/{entity_id}/payers": ". ..y.y ....",
    "GET /billing/api/v1/entities/{entity_id}/waiting-invoices": ". ..y.y ....",
    "PUT /billing/api/v1/entities/{entity_id}/payers/{payer_id}": ". ..i.i ..~.",
    "PUT /billing/api/v1/entities/{entity_id}/cost-models/{scope}/{ref}": ". ..i.i ..~.",
    "GET /billing/api/v1/entities/{entity_id}/cost-models": ". ..y.y ....",
    "GET /billing/api/v1/entities/{entity_id}/invoices": ". ..y.y ....",
    "POST /billing/api/v1/entities/{entity_id}/invoices": ". ..i.i ..~.",
    "GET /billing/api/v1/entities/{entity_id}/credit-notes": ". ..y.y ....",
    "GET /billing/api/v1/entities/{entity_id}/documents/{number}": ". y.y.y ....",
    "GET /billing/api/v1/entities/{entity_id}/documents/{number}/ubl": ". y.y.y ....",
    "GET /billing/api/v1/entities/{entity_id}/documents/{number}/pdf": ". y.y.y ....",
    "POST /billing/api/v1/entities/{entity_id}/documents/{number}/credit-notes": ". ..i.i ..~.",
    "POST /billing/api/v1/entities/{entity_id}/documents/{number}/payments": ". ..i.i ..~.",
    "POST /billing/api/v1/entities/{entity_id}/payment-imports": ". ..i.i ....",
    "GET /billing/api/v1/entities/{entity_id}/payment-imports/{import_id}": ". ..i.i ..~.",
    "POST /billing/api/v1/entities/{entity_id}/payment-imports/{import_id}/book": ". ..i.i ..~.",
    "POST /billing/api/v1/entities/{entity_id}/shared-costs": ". ..i.i ..~.",
    "GET /billing/api/v1/entities/{entity_id}/shared-costs": ". ..y.y ....",
    "GET /billing/api/v1/entities/{entity_id}/shared-costs/{shared_cost_id}": ". ..i.i ..~.",
    "GET /billing/api/v1/entities/{entity_id}/reports/ledgers": ". ..y.y ....",
    "GET /billing/api/v1/entities/{entity_id}/reports/ageing": ". ..y.y ....",
    "GET /billing/api/v1/entities/{entity_id}/reports/cohort-allocation": ". ..y.y ....",
    "GET /billing/api/v1/entities/{entity_id}/reports/cohort-allocation/{cohort_id}": ". ..y.y ....",
    "GET /billing/api/v1/entities/{entity_id}/reports/overrides": ". ..y.y ....",
}


def openapi_operations(settings_overrides) -> list[str]:
    found = []
    for create_app, settings_cls in service_factories().values():
        found += operations(create_app(settings_cls(**settings_overrides)).openapi())
    return found


def test_every_operation_has_a_row_and_every_row_an_operation(settings_overrides):
    documented = openapi_operations(settings_overrides)
    assert sorted(set(documented) - set(ALLOWED)) == [], "add a row to ALLOWED for each new operation"
    assert sorted(set(ALLOWED) - set(documented)) == [], "remove rows of operations that are gone"
    assert all(len(row.replace(" ", "")) == len(CALLERS) for row in ALLOWED.values())


def allows(symbol: str, status: int) -> bool:
    refused = status in REFUSED
    return {
        "y": not refused,
        ".": refused,
        "i": status == 422,
        "~": status == 422 or refused,
    }[symbol]


async def test_who_may_do_what_matches_the_table(dev_key_file):
    """One embedded demo (its data owned by the callers above) for all four services."""
    app = EmbeddedApp(environment="demo", dev_key_file=dev_key_file)
    wrong = []
    async with app.running():
        await app.settle()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
            for service in SERVICES:
                settings = app.apps[service].state.settings
                spec = (await client.get(f"/{service}/openapi.json")).json()
                for operation in operations(spec):
                    row = ALLOWED[operation].replace(" ", "")
                    for caller, symbol in zip(CALLERS, row, strict=True):
                        headers = headers_for(caller, settings)
                        status = await status_of(client, operation, headers)
                        if not allows(symbol, status):
                            wrong.append(f"{operation} as {caller.key}: {status}, table says {symbol!r}")
    assert wrong == [], "\n".join(wrong)
