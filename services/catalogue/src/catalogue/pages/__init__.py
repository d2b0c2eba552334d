"""Server-rendered Dutch pages of the catalogue, one module per audience or job:

- `portal.py`: the public search, an offering with its start moments, the employer's view;
- `manage.py`: the provider's overview and its forms for offerings and cohorts;
- `decisions.py`: the provider's go/no-go list and decision (the use case the API calls);
- `consortia.py`: the consortia of providers;
- `deps.py`: what every route takes from the app (`Visit`), `forms.py`: form fields <-> input models.

No JavaScript: filters are a GET form, decisions are POST forms that redirect back (PRG).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from catalogue.domain import geo, rules
from catalogue.domain.vocab import LABELS, label
from catalogue.pages import consortia, decisions, manage, portal
from llo_shared import dutch
from llo_shared.pages import Pages
from llo_shared.skills import load_skills

TEMPLATES = Path(__file__).parent / "templates"


def page_routers(pages: Pages) -> list[APIRouter]:
    """The catalogue's page routers in order, with the helpers its templates call installed."""
    pages.templates.env.globals.update(
        label=label,
        facet_label=portal.facet_label,
        LABELS=LABELS,
        REGIONS=geo.REGIONS,
        skill_label=load_skills().label,
        status_label=dutch.status,
        cohort_state=portal.cohort_state,
        start_price=portal.start_price,
        list_price_cents=rules.list_price_cents,
    )
    return [
        portal.router,
        manage.router,
        decisions.router,
        consortia.router,
        pages.demo_sign_in_router(),
        pages.start_page_router(),
    ]
