"""Bounded dates and datetimes for every service's input models, and PATCH bodies that refuse null.

Python's `date` accepts 0001-01-01 and 9999-12-31; one such value stored by one tenant made
`date - timedelta(...)` overflow in sweeps and consumers that serve every tenant. Input models
use `Day` and `Moment` (or `date_between(...)` for another range) so a date outside sane bounds is a 422 that
names the field, in Dutch, and never reaches a store or an event.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

# Planning dates (cohorts, demands, availability, consent, campaigns): this century, with room.
DAY_MIN = date(2000, 1, 1)
DAY_MAX = date(2099, 12, 31)

_MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def dutch_day(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _out_of_range(info: ValidationInfo, low: date, high: date) -> PydanticCustomError:
    field = info.field_name or "datum"
    return PydanticCustomError(
        "date_out_of_range",
        "{field}: de datum moet tussen {low} en {high} liggen",
        {"field": field, "low": dutch_day(low), "high": dutch_day(high)},
    )


def date_between(low: date, high: date) -> AfterValidator:
    """Validator for a date refused outside [low, high]: `Annotated[date, date_between(a, b)]`."""

    def check(value: date, info: ValidationInfo) -> date:
        if not low <= value <= high:
            raise _out_of_range(info, low, high)
        return value

    return AfterValidator(check)


def datetime_between(low: date, high: date) -> AfterValidator:
    """Validator for a datetime whose day (in UTC) must lie in [low, high]."""

    def check(value: datetime, info: ValidationInfo) -> datetime:
        day = (value if value.tzinfo is None else value.astimezone(UTC)).date()
        if not low <= day <= high:
            raise _out_of_range(info, low, high)
        return value

    return AfterValidator(check)


Day = Annotated[date, date_between(DAY_MIN, DAY_MAX)]
Moment = Annotated[datetime, datetime_between(DAY_MIN, DAY_MAX)]


class PatchModel(BaseModel):
    """A PATCH body: an omitted field stays as it is, and an explicit null is refused unless the
    field is listed in `nullable` (null clears it). A required field set to null used to be
    stored as null and broke every reader of that record, and through them whole regions."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _no_null_for_required(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise PydanticCustomError(
                "null_not_allowed",
                "{field}: mag niet leeg (null) zijn; laat het veld weg om het niet te wijzigen",
                {"field": info.field_name},
            )
        return value
