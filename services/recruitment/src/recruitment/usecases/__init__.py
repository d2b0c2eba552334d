"""Recruitment's application layer (split into one module per aggregate or job next)."""

from recruitment.usecases.applications import (
    FundingNotOffered,
    MissingInput,
    NotFound,
    Recruitment,
    SeatDecisionOnly,
    utcnow,
)

__all__ = ["FundingNotOffered", "MissingInput", "NotFound", "Recruitment", "SeatDecisionOnly", "utcnow"]
