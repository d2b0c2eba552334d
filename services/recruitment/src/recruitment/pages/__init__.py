"""Server-rendered pages of the recruitment service (Dutch), one module per audience or job: the
applicant's public form and status link (`applicant`), the provider's campaigns (`campaigns`), the
intake worklist (`intake`) and who takes part per start moment (`participants`). Routes are
module-level; what they need comes from the app's state (`api.deps.RecruitmentDep`,
`common.render`)."""

from __future__ import annotations

from pathlib import Path

from recruitment.pages import applicant, campaigns, intake, participants

TEMPLATES = Path(__file__).parent / "templates"

# `duplicates` pairs some routes here by shape with each other and with other services' pages: the
# FastAPI declarations of a route (decorator, Request/PagePrincipal/RecruitmentDep parameters, the
# providers-only refusal); boilerplate, not logic written twice.
# In this order: /recruitment/campagnes/nieuw before /recruitment/campagnes/{campaign_id}, both in
# `campaigns`; the others share no path with it.
ROUTERS = [campaigns.router, applicant.router, intake.router, participants.router]
