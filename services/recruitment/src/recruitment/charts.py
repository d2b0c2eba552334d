"""Server-rendered SVG charts: the funnel and the cohort's fill over time. Plain SVG with text
labels and a <title>, readable without JavaScript and by screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from llo_shared.dutch import datum
from recruitment.domain.figures import FillPoint
from recruitment.domain.funnel import Stage

# The glossary's words for the stages (shared/GLOSSARY.md), on the charts and the worklist alike.
STAGE_LABELS = {
    Stage.interested: "Aangemeld",
    Stage.intake_planned: "Intake gepland",
    Stage.intake_done: "Intake gehad",
    Stage.admitted: "Toegelaten",
    Stage.enrolment_requested: "Inschrijving aangevraagd",
    Stage.enrolled: "Ingeschreven",
    Stage.waitlisted: "Op de wachtlijst",
    Stage.withdrawn: "Afgemeld",
    Stage.rejected: "Afgewezen",
}


def funnel_svg(reached: Sequence[tuple[Stage, int]], title: str = "Funnel") -> str:
    width, bar_h, gap, label_w = 640, 30, 8, 200
    height = len(reached) * (bar_h + gap) + 40
    top = max((count for _, count in reached), default=0) or 1
    rows = []
    for i, (stage, count) in enumerate(reached):
        y = 30 + i * (bar_h + gap)
        w = round((width - label_w - 60) * count / top)
        rows.append(
            f'<text x="{label_w - 8}" y="{y + 20}" text-anchor="end">{escape(STAGE_LABELS[stage])}</text>'
            f'<rect x="{label_w}" y="{y}" width="{max(w, 1)}" height="{bar_h}" fill="#0b5cad" rx="3">'
            f"<title>{escape(STAGE_LABELS[stage])}: {count}</title></rect>"
            f'<text x="{label_w + max(w, 1) + 6}" y="{y + 20}">{count}</text>'
        )
    return _svg(width, height, title, "".join(rows))


def fill_svg(points: Sequence[FillPoint], title: str = "Bezetting") -> str:
    width, height, pad = 640, 260, 40
    if not points:
        return _svg(width, 80, title, '<text x="10" y="40">Nog geen gegevens over de bezetting.</text>')
    top = max(max(p.capacity, p.break_even, p.seats_taken) for p in points) or 1
    span = max(len(points) - 1, 1)

    def xy(i: int, value: int) -> tuple[float, float]:
        return pad + (width - 2 * pad) * i / span, height - pad - (height - 2 * pad) * value / top

    taken = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, p.seats_taken) for i, p in enumerate(points)))
    be_y = xy(0, points[-1].break_even)[1]
    cap_y = xy(0, points[-1].capacity)[1]
    last = points[-1]
    body = (
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#888"/>'
        f'<line x1="{pad}" y1="{cap_y:.1f}" x2="{width - pad}" y2="{cap_y:.1f}" stroke="#5a6470" '
        f'stroke-dasharray="2 4"/><text x="{width - pad}" y="{cap_y - 4:.1f}" text-anchor="end">'
        f"capaciteit {last.capacity}</text>"
        f'<line x1="{pad}" y1="{be_y:.1f}" x2="{width - pad}" y2="{be_y:.1f}" stroke="#a05a00" '
        f'stroke-dasharray="6 4"/><text x="{pad}" y="{be_y - 4:.1f}">break-even {last.break_even}</text>'
        f'<polyline points="{taken}" fill="none" stroke="#0b5cad" stroke-width="3"/>'
        + "".join(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#0b5cad">'
            f"<title>{escape(datum(p.at))}: "
            f"{p.seats_taken} bezet, {max(p.distance_to_break_even, 0)} tekort</title></circle>"
            for p, (x, y) in ((p, xy(i, p.seats_taken)) for i, p in enumerate(points))
        )
        + f'<text x="{pad}" y="{height - 12}">{escape(datum(points[0].at))}</text>'
        f'<text x="{width - pad}" y="{height - 12}" text-anchor="end">'
        f"{escape(datum(last.at))}: {last.seats_taken} bezet</text>"
    )
    return _svg(width, height, title, body)


def _svg(width: int, height: int, title: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'style="max-width:100%;height:auto" font-family="system-ui, sans-serif" font-size="14">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )
