"""The public application form: plain Dutch messages per field, validated completely before
anything is stored."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from recruitment.applicants import Applicant

MESSAGES = {
    "name": "Vul uw naam in (minstens twee letters).",
    "email": "Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl.",
    "phone": "Vul een geldig telefoonnummer in (alleen cijfers), of laat dit vak leeg.",
    "postcode": "Vul een geldige postcode in, bijvoorbeeld 1315 AB, of laat dit vak leeg.",
    "consent": (
        "Zet een vinkje als u akkoord gaat. Zonder uw toestemming kunnen we uw aanmelding niet verwerken."
    ),
    "cohort_id": "Kies wanneer u wilt beginnen.",
}


@dataclass
class FormInput:
    name: str = ""
    email: str = ""
    phone: str = ""
    postcode: str = ""
    consent: bool = False
    cohort_id: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def applicant(self) -> Applicant | None:
        """The validated applicant, or None with `errors` filled in Dutch."""
        try:
            applicant = Applicant(
                name=self.name, email=self.email, phone=self.phone or None, postcode=self.postcode or None
            )
        except ValidationError as error:
            for problem in error.errors():
                key = str(problem["loc"][0]) if problem["loc"] else "name"
                self.errors[key] = MESSAGES.get(key, "Controleer dit vak.")
            applicant = None
        if not self.consent:
            self.errors["consent"] = MESSAGES["consent"]
        return applicant if not self.errors else None
