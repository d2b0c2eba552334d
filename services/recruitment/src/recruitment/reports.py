"""Figures as the API, the CSV export and the charts present them."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from itertools import pairwise
from typing import Any

from recruitment.cohorts import CohortView
from recruitment.domain.campaign import Campaign
from recruitment.domain.figures import FillPoint, FunnelFigures, funnel_figures
from recruitment.domain.funnel import FUNNEL
from recruitment.store import RecruitmentStore


def figures_json(figures: FunnelFigures) -> dict[str, Any]:
    return {
        "applications": figures.applications,
        "enrolled": figures.enrolled,
        "waitlisted": figures.waitlisted,
        "reached": {str(k): v for k, v in figures.reached.items()},
        "current": {str(k): v for k, v in figures.current.items()},
        "conversions": [
            {
                "from_stage": str(c.from_stage),
                "to_stage": str(c.to_stage),
                "from_count": c.reached_from,
                "to_count": c.reached_to,
                "rate": c.rate,
            }
            for c in figures.conversions
        ],
        "time_in_step_hours": [
            {"stage": str(t.stage), "completed": t.completed, "mean": t.mean_hours, "median": t.median_hours}
            for t in figures.step_times
        ],
        "drop_out_reasons": figures.drop_out_reasons,
        "drop_out_by_stage": figures.drop_out_by_stage,
        "budget_cents": figures.budget_cents,
        "cost_per_enrolled_cents": figures.cost_per_enrolled_cents,
        "by_channel": {k: figures_json(v) for k, v in figures.by_channel.items()},
    }


def fill_points(cohort: CohortView | None) -> list[FillPoint]:
    if cohort is None:
        return []
    return [
        FillPoint(
            at=datetime.fromisoformat(p["at"]),
            seats_taken=int(p.get("seats_taken") or 0),
            break_even=int(p.get("break_even") or cohort.break_even),
            capacity=int(p.get("capacity") or cohort.capacity),
        )
        for p in cohort.fill_history
    ]


async def campaign_report(store: RecruitmentStore, campaign: Campaign) -> dict[str, Any]:
    applications = await store.all_applications({"campaign_id": campaign.campaign_id})
    figures = funnel_figures(applications, campaign.plan.budget_cents)
    cohort = None
    if campaign.cohort_id:
        from recruitment.cohorts import cohort_view

        cohort = cohort_view(await store.cohort_with_history(campaign.cohort_id))
    points = fill_points(cohort)
    return {
        "campaign_id": campaign.campaign_id,
        "goal_seats": campaign.plan.goal_seats,
        **figures_json(figures),
        "cohort": None
        if cohort is None
        else {
            "cohort_id": cohort.cohort_id,
            "capacity": cohort.capacity,
            "break_even": cohort.break_even,
            "seats_taken": cohort.seats_taken,
            "distance_to_break_even": cohort.break_even - cohort.seats_taken,
            "decision_date": cohort.decision_date.isoformat() if cohort.decision_date else None,
        },
        "fill_over_time": [
            {
                "at": p.at.isoformat(),
                "seats_taken": p.seats_taken,
                "break_even": p.break_even,
                "capacity": p.capacity,
                "distance_to_break_even": p.distance_to_break_even,
            }
            for p in points
        ],
    }


CSV_COLUMNS = [
    "channel",
    "applications",
    *(f"reached_{s}" for s in FUNNEL),
    *(f"conversion_{a}_to_{b}" for a, b in pairwise(FUNNEL)),
    "conversion_interested_to_enrolled",
    "enrolled",
    "waitlisted",
    "dropped_out",
    "top_drop_out_reason",
    "cost_per_enrolled_cents",
]


def figures_csv(report: dict[str, Any]) -> str:
    """One row for the whole campaign, then one per channel; rates as decimals with a dot."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerow(_csv_row("all", report, report.get("cost_per_enrolled_cents")))
    for channel, figures in report["by_channel"].items():
        writer.writerow(_csv_row(channel, figures, None))
    return out.getvalue()


def _csv_row(channel: str, figures: dict[str, Any], cost: int | None) -> list[Any]:
    rates = {(c["from_stage"], c["to_stage"]): c["rate"] for c in figures["conversions"]}
    steps = [rates[(str(a), str(b))] for a, b in pairwise(FUNNEL)]
    reasons = figures["drop_out_reasons"]
    top = max(sorted(reasons), key=lambda r: reasons[r]) if reasons else ""
    return [
        channel,
        figures["applications"],
        *(figures["reached"][str(s)] for s in FUNNEL),
        *("" if r is None else r for r in steps),
        "" if rates[("interested", "enrolled")] is None else rates[("interested", "enrolled")],
        figures["enrolled"],
        figures["waitlisted"],
        sum(reasons.values()),
        top,
        "" if cost is None else cost,
    ]
