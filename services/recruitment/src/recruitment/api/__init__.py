"""JSON API under /recruitment/api/v1."""

from recruitment.api import applications, campaigns, figures

ROUTERS = [
    campaigns.router,
    campaigns.fill_router,
    applications.router,
    applications.enrolments,
    figures.router,
]
