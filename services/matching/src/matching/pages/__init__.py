"""Server-rendered Dutch pages: the employer's demands, proposals and placements; the mobility team's
dashboard, candidate registration and a candidate's best start moments. Pages call the use cases;
what they say in words (reasons, group figures, the fill chart) comes from pages/explain.py.

Each module holds its routes at module level, by audience and job: the employer's demands
(`demands.py`), decisions on proposals and the surcharge (`proposals.py`), the mobility team's
region (`region.py`) and candidates (`candidates.py`); what they share is in `common.py` and the
forms' words in `forms.py`."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from llo_shared.pages import Pages
from llo_shared.skills import load_skills
from matching.pages import candidates, demands, proposals, region

TEMPLATES = Path(__file__).parent / "templates"


def page_router(pages: Pages) -> APIRouter:
    """Every page of matching, and the demo sign-in; the routes find `pages` on the app's state."""
    pages.templates.env.globals["skill_label"] = load_skills().label
    router = APIRouter(include_in_schema=False)
    for module in (demands, proposals, region, candidates):
        router.include_router(module.router)
    router.include_router(pages.demo_sign_in_router())
    return router
