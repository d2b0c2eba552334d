"""The named refusals of recruitment's use cases; `api.deps.install_error_mapping` turns each into
a problem (404, 409, 422 naming the field), the pages into a Dutch sentence."""

from __future__ import annotations

from recruitment.domain.funnel import InvalidTransition


class NotFound(Exception):
    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"{what} {key} not found")
        self.what, self.key = what, key


class MissingInput(ValueError):
    """A step needs data the request did not carry; names the field for the 422."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class FundingNotOffered(MissingInput):
    """The cohort offers no seat of the funding kind asked for (the catalogue would refuse it)."""

    def __init__(self, asked: str, offered: list[str]) -> None:
        super().__init__(
            "funding.funding_kind", f"this cohort offers no {asked} seat; it offers: {', '.join(offered)}"
        )
        self.asked, self.offered = asked, offered


class SeatDecisionOnly(InvalidTransition):
    """enrolled and waitlisted follow the catalogue's seat decision; a person cannot choose them."""


class TargetRefused(ValueError):
    """A campaign or an application aims at no cohort (or offering, or campaign) it may aim at;
    names the field. `foreign`: the cohort is another provider's (403), otherwise it is unknown,
    closed or missing (422)."""

    def __init__(self, field: str, message: str, *, foreign: bool = False) -> None:
        super().__init__(message)
        self.field, self.foreign = field, foreign
