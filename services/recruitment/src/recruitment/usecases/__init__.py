"""Recruitment's application layer: the use cases, typed in and typed out, that raise the named
errors of `errors` (the API maps them to problems, the pages to Dutch sentences). One module per
aggregate or job; `Recruitment` gathers them into the handle the app wires."""

from recruitment.usecases.base import CATALOGUE, utcnow
from recruitment.usecases.campaigns import FILL_CHANNELS, FILL_TARGET_GROUPS, fill_campaign_id
from recruitment.usecases.enrolment import SEAT_REFUSAL_REASONS, waitlist_seq
from recruitment.usecases.errors import (
    FundingNotOffered,
    MissingInput,
    NotFound,
    SeatDecisionOnly,
    TargetRefused,
)
from recruitment.usecases.recruitment import Recruitment

__all__ = [
    "CATALOGUE",
    "FILL_CHANNELS",
    "FILL_TARGET_GROUPS",
    "SEAT_REFUSAL_REASONS",
    "FundingNotOffered",
    "MissingInput",
    "NotFound",
    "Recruitment",
    "SeatDecisionOnly",
    "TargetRefused",
    "fill_campaign_id",
    "utcnow",
    "waitlist_seq",
]
