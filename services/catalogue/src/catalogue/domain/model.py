"""Providers, consortia, offerings and cohorts as validated input models.

These are the write-side shapes the API, the import and the demo seed all go through,
so a rule lives in one place: field validators name the offending field, and the
cross-field rules (funding follows leerweg and provider, codes follow credential type,
dates are ordered) raise ValueError that pydantic reports against the model.
"""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from catalogue.domain.rules import Decision
from catalogue.domain.vocab import (
    FUNDED_LEERWEGEN,
    FUNDED_PROVIDER_KINDS,
    SKILL_IDS,
    CredentialType,
    Domain,
    Funding,
    LearningMode,
    Leerweg,
    LessonTime,
    LocationKind,
    ProviderKind,
    Registration,
    StartPolicy,
    TargetGroup,
    VatCode,
    Visibility,
)
from llo_shared.dates import Day

ORG_ID = r"^[A-Z]{2,5}-[A-Z0-9]{2,12}$"  # "BRIN-25LH", "KVK-39084217", "OIN-..."
Text = Annotated[str, Field(min_length=1, max_length=200)]
Cents = Annotated[int, Field(ge=0, le=100_000_000)]

CREBO = re.compile(r"^\d{5}$")
KEUZEDEEL = re.compile(r"^K\d{4}$")
PC4 = re.compile(r"^\d{4}(\s?[A-Z]{2})?$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Contact(Strict):
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    phone: str | None = Field(default=None, max_length=30, pattern=r"^[0-9 +()-]{6,30}$")
    website: str | None = Field(default=None, max_length=300, pattern=r"^https?://\S+$")


class Address(Strict):
    """Where a provider's office is (the visiting address shown on its offerings)."""

    street: Text
    postcode: str = Field(pattern=r"^\d{4}\s?[A-Z]{2}$", description="1315 AB")
    city: Text


class ProviderCreate(Strict):
    provider_id: str = Field(pattern=ORG_ID, max_length=20)
    name: Text
    kind: ProviderKind
    kvk: str | None = Field(default=None, description="KvK-nummer, 8 cijfers")
    institution_code: str | None = Field(
        default=None, pattern=r"^\d{2}[A-Z]{2}$", description="BRIN, bv. 25LH"
    )
    regions: list[Annotated[str, Field(pattern=r"^[a-z_]{2,40}$")]] = Field(min_length=1, max_length=20)
    contact: Contact = Contact()
    address: Address | None = None

    @field_validator("kvk")
    @classmethod
    def kvk_is_eight_digits(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{8}", value):
            raise ValueError("een KvK-nummer heeft precies 8 cijfers")
        return value

    @model_validator(mode="after")
    def funded_kinds_have_an_institution_code(self) -> Self:
        if self.kind in FUNDED_PROVIDER_KINDS and not self.institution_code:
            raise ValueError(
                "institution_code: a funded institution (ROC, AOC, vakinstelling) needs its BRIN"
            )
        return self

    @property
    def funded(self) -> bool:
        return self.kind in FUNDED_PROVIDER_KINDS


class ConsortiumCreate(Strict):
    consortium_id: str = Field(pattern=r"^[A-Z0-9-]{3,30}$")
    name: Text
    members: list[Annotated[str, Field(pattern=ORG_ID, max_length=20)]] = Field(min_length=2, max_length=20)
    flex_partnership: bool = False

    @field_validator("members")
    @classmethod
    def members_do_not_repeat(cls, values: list[str]) -> list[str]:
        if len(set(values)) != len(values):
            raise ValueError("a provider is a member once")
        return values


class ConsortiumMemberAdd(Strict):
    provider_id: str = Field(pattern=ORG_ID, max_length=20)


def check_consortium(consortium: ConsortiumCreate, funded_by_member: dict[str, bool]) -> list[str]:
    """Problems with a consortium given which members are funded; unknown members are problems too."""
    problems = [f"members: unknown provider {m}" for m in consortium.members if m not in funded_by_member]
    if consortium.flex_partnership and not problems:
        kinds = {funded_by_member[m] for m in consortium.members}
        if kinds != {True, False}:
            problems.append("members: a FLEX partnership needs at least one funded and one non-funded member")
    return problems


def members_after_change(
    members: list[str], *, add: str | None = None, remove: str | None = None
) -> list[str]:
    """The member list after adding or removing one provider; the caller validates the result."""
    if add is not None:
        return [*members, add]
    return [m for m in members if m != remove]


class Price(Strict):
    tuition_cents: Cents
    exam_cents: Cents = 0
    materials_cents: Cents = 0
    vat_code: VatCode = VatCode.exempt
    currency: str = Field(default="EUR", pattern=r"^EUR$")

    @property
    def total_cents(self) -> int:
        return self.tuition_cents + self.exam_cents + self.materials_cents


class OfferingFields(Strict):
    """Everything a provider says about an offering (DOMAIN.md attribute frame)."""

    title: Text
    description: str = Field(default="", max_length=5000)
    keywords: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(
        default_factory=list, max_length=30
    )
    credential_type: CredentialType
    code: str | None = Field(
        default=None, max_length=20, description="crebo (5 cijfers) of keuzedeel (K0xxx)"
    )
    leerweg: Leerweg
    level: int = Field(ge=1, le=4)
    domain: Domain
    study_load_hours: int = Field(ge=1, le=6400)
    duration_weeks: int = Field(ge=1, le=208)
    target_groups: list[TargetGroup] = Field(min_length=1, max_length=4)
    learning_modes: list[LearningMode] = Field(min_length=1, max_length=4)
    location_kinds: list[LocationKind] = Field(min_length=1, max_length=3)
    lesson_times: list[LessonTime] = Field(min_length=1, max_length=3)
    start_policy: StartPolicy
    own_pace: bool = False
    free_module_order: bool = False
    exemptions_possible: bool = False
    intake_required: bool = True
    stacks_into: list[Annotated[str, Field(pattern=r"^(\d{5}|K\d{4})$")]] = Field(
        default_factory=list, max_length=10
    )
    registration: list[Registration] = Field(min_length=1, max_length=2)
    requires_workplace: bool = False
    price: Price
    funding: Funding
    skills: list[str] = Field(default_factory=list, max_length=30)
    visibility: Visibility = Visibility.public
    visible_to: list[Annotated[str, Field(pattern=ORG_ID)]] = Field(default_factory=list, max_length=50)

    @field_validator("target_groups", "learning_modes", "location_kinds", "lesson_times", "registration")
    @classmethod
    def no_duplicates(cls, values: list[str]) -> list[str]:
        if len(set(values)) != len(values):
            raise ValueError("values must not repeat")
        return values

    @field_validator("skills")
    @classmethod
    def skills_are_known(cls, values: list[str]) -> list[str]:
        unknown = [v for v in values if v not in SKILL_IDS]
        if unknown:
            raise ValueError(f"unknown skill id(s): {', '.join(unknown)} (see the skills reference set)")
        return sorted(set(values), key=values.index)

    @model_validator(mode="after")
    def cross_field_rules(self) -> Self:
        for problem in offering_problems(self):
            raise ValueError(problem)
        return self


def offering_problems(o: OfferingFields) -> list[str]:
    problems = []
    if o.credential_type == CredentialType.diploma and not (o.code and CREBO.match(o.code)):
        problems.append("code: a diploma needs its 5-digit crebo code")
    if o.credential_type == CredentialType.mbo_certificaat and not (
        o.code and (KEUZEDEEL.match(o.code) or CREBO.match(o.code))
    ):
        problems.append("code: an mbo-certificaat needs a keuzedeel code (K0000) or crebo")
    if o.leerweg in FUNDED_LEERWEGEN and o.funding != "bekostigd":
        problems.append("funding: BOL and BBL are funded (bekostigd)")
    if o.leerweg not in FUNDED_LEERWEGEN and o.funding != "privaat":
        problems.append("funding: derde leerweg and contractonderwijs are private (privaat)")
    if o.visibility == Visibility.onderhands and not o.visible_to:
        problems.append("visible_to: an onderhands offering names the employers it is meant for")
    if o.visibility == Visibility.public and o.visible_to:
        problems.append("visible_to: only onderhands offerings name employers")
    if o.leerweg == Leerweg.bbl and not o.requires_workplace:
        problems.append("requires_workplace: BBL always needs a leerwerkplek")
    return problems


class OfferingCreate(OfferingFields):
    offering_id: str | None = Field(default=None, pattern=r"^[a-z0-9-]{3,60}$")


class OfferingUpdate(OfferingFields):
    version: int = Field(ge=1, description="the version you read; a stale version is a 409")


class CohortFields(Strict):
    start_date: Day
    end_date: Day
    decision_date: Day
    municipality: Text
    postcode: str = Field(pattern=PC4.pattern, description="PC4 (1311) or full postcode (1311 AB)")
    capacity: int = Field(ge=1, le=500)
    break_even: int = Field(ge=1, le=500)
    seat_price_cents: Cents
    rolling: bool = Field(default=False, description="a rolling start period of a continuous-start offering")

    @model_validator(mode="after")
    def ordered(self) -> Self:
        if self.end_date < self.start_date:
            raise ValueError("end_date: ends before it starts")
        if self.decision_date > self.start_date:
            raise ValueError("decision_date: must not be after start_date")
        if self.break_even > self.capacity:
            raise ValueError("break_even: larger than capacity")
        return self


class CohortCreate(CohortFields):
    offering_id: str = Field(pattern=r"^[a-z0-9-]{3,60}$")
    cohort_id: str | None = Field(default=None, pattern=r"^[a-z0-9-]{3,60}$")


class CohortUpdate(CohortFields):
    version: int = Field(ge=1)


class DecisionIn(BaseModel):
    """The provider's go/no-go decision on a planned cohort (DOMAIN.md "Cohorts")."""

    model_config = ConfigDict(extra="forbid")
    decision: Decision
    merge_into: str | None = Field(default=None, max_length=60)
    reason: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def merge_names_a_target(self) -> DecisionIn:
        if (self.decision == Decision.merge) != (self.merge_into is not None):
            raise ValueError("merge_into: give a target cohort exactly when the decision is merge")
        return self
