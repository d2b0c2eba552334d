"""Personal data of an applicant and their consent. Kept only in this service's store, beside the
application; never in events, logs or figures."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

CONSENT_STATEMENT = "v1-2026"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_POSTCODE = re.compile(r"^[1-9][0-9]{3} ?[A-Za-z]{2}$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{8,20}$")


class Applicant(BaseModel):
    name: str = Field(min_length=2, max_length=120)
    email: str = Field(max_length=200)
    phone: str | None = Field(default=None, max_length=20)
    postcode: str | None = Field(default=None, max_length=7)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if len(value) < 2 or not any(ch.isalpha() for ch in value):
            raise ValueError("name needs at least two letters")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip().lower()
        if not _EMAIL.match(value):
            raise ValueError("not a valid e-mail address")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not _PHONE.match(value.strip()):
            raise ValueError("not a valid phone number")
        return value.strip()

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().upper()
        if not _POSTCODE.match(value):
            raise ValueError("not a Dutch postcode (1234 AB)")
        return value[:4] + " " + value[-2:]


def personal_fields(applicant: Applicant, consent_at: datetime) -> dict[str, Any]:
    return {
        "applicant": applicant.model_dump(mode="json"),
        "consent": {"given_at": consent_at.isoformat(), "statement": CONSENT_STATEMENT},
    }
