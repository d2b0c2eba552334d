"""What the matching pages say in plain Dutch: why a start moment fits (one sentence per scoring
factor, amounts in euros), what a group proposal's numbers mean, and the region fill as a chart."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from llo_shared.dutch import aantal, datum, euro, getal, km

# The glossary's names of the score factors.
FACTOR_NAMES = {
    "skills_essential": "Past bij de gevraagde vaardigheden",
    "skills_optional": "Wenselijke vaardigheden",
    "level": "Niveau",
    "distance": "Afstand",
    "start_date": "Start",
    "price": "Kosten",
    "delivery": "Lesvorm",
}

DELIVERY_LABELS = {
    "in_company": "in het bedrijf",
    "classroom": "klassikaal",
    "online": "online",
    "daytime": "overdag",
    "evening": "'s avonds",
    "weekend": "in het weekend",
    "own_pace": "in eigen tempo",
    "workplace_learning": "leren op de werkplek",
}


def _listed(items: Sequence[str]) -> str:
    """["a", "b", "c"] -> "a, b en c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


def _skills(facts: Mapping[str, Any], kind: str, skill_label: Callable[[str], str]) -> str:
    taught = [skill_label(s) for s in facts.get("taught", [])]
    missing = [skill_label(s) for s in facts.get("missing", [])]
    wanted = len(taught) + len(missing)
    if wanted == 0:
        return f"Er zijn geen {kind} vaardigheden gevraagd."
    sentence = f"De opleiding leert {len(taught)} van de {wanted} {kind} vaardigheden"
    sentence += f": {_listed(taught)}." if taught else "."
    if missing:
        sentence += f" Niet in deze opleiding: {_listed(missing)}."
    return sentence


def _level(facts: Mapping[str, Any]) -> str:
    offered, wanted = facts.get("offered"), facts.get("wanted")
    shown = f"niveau {offered}" if offered else "een onbekend niveau"
    if wanted is None:
        return f"Er is geen niveau gevraagd; de opleiding is op {shown}."
    if offered == wanted:
        return f"De opleiding is op niveau {offered}, zoals gevraagd."
    return f"De opleiding is op {shown}; gevraagd is niveau {wanted}."


def _price(facts: Mapping[str, Any]) -> str:
    price, budget = facts.get("price_cents") or 0, facts.get("budget_cents")
    if price == 0:
        return "Deze plaats wordt door de overheid bekostigd: er is geen prijs per deelnemer."
    if budget is None:
        return f"Een plaats kost {euro(price)} per deelnemer. Er is geen budget opgegeven."
    if price <= budget:
        return f"Een plaats kost {euro(price)} per deelnemer, binnen het budget van {euro(budget)}."
    return (
        f"Een plaats kost {euro(price)} per deelnemer: {euro(price - budget)} meer "
        f"dan het budget van {euro(budget)}."
    )


def _delivery(facts: Mapping[str, Any]) -> str:
    wished = [DELIVERY_LABELS.get(w, w) for w in facts.get("wished", [])]
    offered = [DELIVERY_LABELS.get(o, o) for o in facts.get("offered", [])]
    if not wished:
        return "Er zijn geen wensen voor de lesvorm opgegeven."
    if not offered:
        return f"Gewenst: {_listed(wished)}. Hoe dit startmoment lesgeeft, is nog niet bekend."
    fits = [w for w in facts.get("wished", []) if w in facts.get("offered", [])]
    if len(fits) == len(wished):
        verdict = "Dat past." if len(wished) == 1 else "Alle wensen passen."
    else:
        verdict = f"{len(fits)} van de {len(wished)} wensen passen."
    return f"Gewenst: {_listed(wished)}. Dit startmoment: {_listed(offered)}. {verdict}"


def factor_sentence(factor: Mapping[str, Any], skill_label: Callable[[str], str]) -> str:
    """One plain Dutch sentence for one score factor (from its facts, never its developer text)."""
    facts = factor.get("facts") or {}
    match factor["factor"]:
        case "skills_essential":
            return _skills(facts, "nodige", skill_label)
        case "skills_optional":
            return _skills(facts, "wenselijke", skill_label)
        case "level":
            return _level(facts)
        case "distance":
            return (
                f"Het startmoment is {km(facts.get('km'))} hiervandaan; "
                f"de grens is {km(facts.get('max_km'))}. Dichterbij telt zwaarder."
            )
        case "start_date":
            return (
                f"Start op {datum(facts.get('start'))}; gewenst tussen {datum(facts.get('from'))} "
                f"en {datum(facts.get('until'))}. Hoe eerder, hoe meer punten."
            )
        case "price":
            return _price(facts)
        case "delivery":
            return _delivery(facts)
    return "Deze factor telt mee in de score."


def reasons(factors: Sequence[Mapping[str, Any]], skill_label: Callable[[str], str]) -> list[dict[str, str]]:
    """Every factor as a name, its points out of the most it can give, and a sentence."""
    return [
        {
            "name": FACTOR_NAMES.get(f["factor"], "Overig"),
            "points": f"{getal(f['contribution'], 0)} van {getal(f['weight'] * 100, 0)} punten",
            "sentence": factor_sentence(f, skill_label),
        }
        for f in factors
    ]


def group_sentence(proposal: Mapping[str, Any]) -> str:
    """ "15 -> 16 / 14" in words."""
    before, after = proposal["enrolled_before"], proposal["fill_after"]
    minimum, capacity = proposal["break_even"], proposal["capacity"]
    sentence = (
        f"Nu {aantal(before, 'deelnemer', 'deelnemers')} ingeschreven; met dit voorstel {getal(after, 0)}. "
        f"De groep start vanaf {aantal(minimum, 'deelnemer', 'deelnemers')} "
        f"(er zijn {aantal(capacity, 'plaats', 'plaatsen')})."
    )
    if after >= minimum:
        return sentence + " Met dit voorstel kan de groep starten."
    return (
        sentence
        + f" Er {'is' if minimum - after == 1 else 'zijn'} dan nog {getal(minimum - after, 0)} tekort."
    )


def _short(text: str, at: int) -> str:
    return text if len(text) <= at else text[: at - 1].rstrip() + "…"


def fill_chart(items: Sequence[Mapping[str, Any]], title: str) -> Markup:
    """Region fill as horizontal bars (inline SVG, no script): enrolled, proposed, the minimum.
    Narrow (400 units) so its text stays readable when a phone scales it down."""
    rows = list(items)
    scale = max([1, *(max(i["capacity"], i["break_even"]) for i in rows)])
    row_h, bar_w = 62, 380  # each row: two lines of text above its bar
    height = max(1, len(rows)) * row_h + 10
    parts = [
        f'<svg class="chart" viewBox="0 0 {bar_w + 20} {height}" role="img" '
        'aria-labelledby="chart-title chart-desc" preserveAspectRatio="xMinYMin meet" '
        'style="width:100%;height:auto;max-width:34rem">',
        f'<title id="chart-title">{escape(title)}</title>',
        '<desc id="chart-desc">Per startmoment: ingeschreven deelnemers (donker), plaatsen in een '
        "groepsvoorstel (licht) en het minimum om te starten (rode streep).</desc>",
    ]
    for n, item in enumerate(rows):
        y = 8 + n * row_h
        enrolled_w = bar_w * item["enrolled"] / scale
        proposed_w = bar_w * min(item["proposed_seats"], max(0, item["capacity"] - item["enrolled"])) / scale
        minimum_x = bar_w * item["break_even"] / scale
        capacity_w = bar_w * item["capacity"] / scale
        figures = f"{getal(item['enrolled'], 0)} van minimaal {getal(item['break_even'], 0)}"
        where = f"{item['municipality']}, {datum(item['start_date'])}"
        parts += [
            f'<text x="0" y="{y + 12}" font-size="13" font-weight="600" fill="#1b1f24">'
            f"{escape(_short(item['title'], 52))}</text>",
            f'<text x="0" y="{y + 28}" font-size="12" fill="#3d4650">'
            f"{escape(where)}: {escape(figures)}</text>",
            f'<rect x="0" y="{y + 34}" width="{capacity_w:.1f}" height="14" '
            'fill="#eef1f4" stroke="#c9d0d8"/>',
            f'<rect x="0" y="{y + 34}" width="{enrolled_w:.1f}" height="14" fill="#0b5cad"/>',
            f'<rect x="{enrolled_w:.1f}" y="{y + 34}" width="{proposed_w:.1f}" height="14" fill="#8fb8e6"/>',
            f'<line x1="{minimum_x:.1f}" x2="{minimum_x:.1f}" y1="{y + 31}" y2="{y + 51}" '
            'stroke="#b00020" stroke-width="3"/>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))
