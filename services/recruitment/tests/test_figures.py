"""Figures from applications: reach, conversion between every two steps, time per step, drop-out
reasons, cost per enrolled participant, per channel; CSV and SVG renderings."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from recruitment.charts import fill_svg, funnel_svg
from recruitment.domain.application import Source, received
from recruitment.domain.campaign import Channel
from recruitment.domain.figures import FillPoint, cost_per, funnel_figures
from recruitment.domain.funnel import FUNNEL, DropOutReason, Stage
from recruitment.reports import figures_csv, figures_json

T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)


def _walk(n: int, channel: Channel, path: list[Stage], reason: DropOutReason | None = None, hours: int = 24):
    app = received(
        application_id=f"a{n}",
        participant_ref=f"p{n}",
        source=Source.portal,
        provider_id="P",
        at=T0,
        by="x",
        channel=channel,
    )
    for i, stage in enumerate(path, start=1):
        app = app.moved(
            stage,
            at=T0 + timedelta(hours=hours * i),
            by="x",
            reason=reason if stage in (Stage.withdrawn, Stage.rejected) else None,
        )
    return app


FULL = [Stage.intake_planned, Stage.intake_done, Stage.admitted, Stage.enrolment_requested, Stage.enrolled]


def _sample():
    return [
        _walk(1, Channel.uwv, FULL),
        _walk(2, Channel.uwv, [*FULL[:2], Stage.withdrawn], DropOutReason.found_work),
        _walk(3, Channel.uwv, [Stage.withdrawn], DropOutReason.not_reachable),
        _walk(4, Channel.open_day, FULL, hours=48),
        _walk(5, Channel.open_day, [*FULL[:4], Stage.waitlisted]),
        _walk(6, Channel.open_day, [*FULL[:2], Stage.rejected], DropOutReason.prior_education_insufficient),
    ]


def test_reach_conversion_and_drop_out():
    figures = funnel_figures(_sample(), budget_cents=100_000)
    assert figures.applications == 6 and figures.enrolled == 2 and figures.waitlisted == 1
    assert [figures.reached[s] for s in FUNNEL] == [6, 5, 5, 3, 3, 2]
    conversions = {(c.from_stage, c.to_stage): c for c in figures.conversions}
    assert len(conversions) == 15  # every pair of the six funnel steps
    assert conversions[(Stage.interested, Stage.enrolled)].rate == round(2 / 6, 4)
    assert conversions[(Stage.intake_done, Stage.admitted)].rate == 0.6
    assert figures.drop_out_reasons == {
        "found_work": 1,
        "not_reachable": 1,
        "prior_education_insufficient": 1,
    }
    assert figures.drop_out_by_stage == {"interested": 1, "intake_done": 2}
    assert figures.cost_per_enrolled_cents == 50_000
    assert set(figures.by_channel) == {"uwv", "open_day"}
    assert figures.by_channel["uwv"].enrolled == 1 and figures.by_channel["uwv"].applications == 3


def test_time_in_each_step():
    figures = funnel_figures(_sample())
    times = {t.stage: t for t in figures.step_times}
    # uwv walks take 24h per step, the open-day ones 48h (a4) and 24h (a5, a6)
    assert times[Stage.intake_planned].completed == 5
    assert times[Stage.intake_planned].median_hours == 24.0
    assert times[Stage.intake_planned].mean_hours == round((24 * 4 + 48) / 5, 2)
    assert times[Stage.waitlisted].completed == 0


def test_cost_per_enrolled_rounds_half_up_and_is_none_without_enrolments():
    assert cost_per(100, 3) == 33 and cost_per(200, 3) == 67 and cost_per(150, 2) == 75
    assert cost_per(100_000, 0) is None


@given(st.lists(st.integers(0, 5), max_size=40))
def test_reach_never_grows_along_the_funnel(depths):
    apps = [_walk(i, Channel.uwv, FULL[:d]) for i, d in enumerate(depths)]
    figures = funnel_figures(apps)
    reached = [figures.reached[s] for s in FUNNEL]
    assert reached == sorted(reached, reverse=True)
    assert all(c.rate is None or 0 <= c.rate <= 1 for c in figures.conversions)


def test_csv_has_a_row_for_all_and_one_per_channel():
    text = figures_csv(figures_json(funnel_figures(_sample(), 100_000)) | {"cost_per_enrolled_cents": 50_000})
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["channel"] for r in rows] == ["all", "open_day", "uwv"]
    assert rows[0]["applications"] == "6" and rows[0]["enrolled"] == "2"
    assert rows[0]["cost_per_enrolled_cents"] == "50000"
    assert rows[2]["top_drop_out_reason"] in ("found_work", "not_reachable")
    assert float(rows[0]["conversion_interested_to_enrolled"]) == round(2 / 6, 4)


def test_svg_charts_are_labelled_and_escaped():
    svg = funnel_svg([(s, 10 - i) for i, s in enumerate(FUNNEL)], "Funnel <script>")
    assert svg.startswith("<svg") and "Ingeschreven" in svg and "<script>" not in svg
    points = [FillPoint(T0 + timedelta(days=i), taken, 12, 16) for i, taken in enumerate([2, 4, 4, 7])]
    fill = fill_svg(points)
    assert "<polyline" in fill and "break-even 12" in fill and "7 bezet" in fill
    assert "Nog geen gegevens" in fill_svg([])
