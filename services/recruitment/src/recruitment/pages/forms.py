"""The public application form: plain Dutch messages per field, validated completely before
anything is stored."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from recruitment.applicants import Applicant
from recruitment.payers import InvoiceDetails, PayerChoice, Who

MESSAGES = {
    "name": "Vul uw naam in (minstens twee letters).",
    "email": "Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl.",
    "phone": "Vul een geldig telefoonnummer in (alleen cijfers), of laat dit vak leeg.",
    "postcode": "Vul een geldige postcode in, bijvoorbeeld 1315 AB, of laat dit vak leeg.",
    "consent": (
        "Zet een vinkje als u akkoord gaat. Zonder uw toestemming kunnen we uw aanmelding niet verwerken."
    ),
    "cohort_id": "Kies wanneer u wilt beginnen.",
    "betaler": "Kies wie de opleiding betaalt.",
    "organisatie": "Vul de naam in van uw werkgever, gemeente of fonds.",
    "kvk": "Vul het KvK-nummer van uw werkgever in (8 cijfers).",
    "factuur_naam": "Vul de naam in die op de factuur moet staan.",
    "factuur_straat": "Vul straat en huisnummer in, bijvoorbeeld Stationsstraat 12.",
    "factuur_postcode": "Vul de postcode van het factuuradres in, bijvoorbeeld 1315 AB.",
    "factuur_plaats": "Vul de plaats van het factuuradres in.",
    "factuur_email": "Vul een geldig e-mailadres in voor de factuur, of laat dit vak leeg.",
}
# The answers to "Wie betaalt?" on the form, and what they mean.
PAYER_OPTIONS = {
    "ikzelf": Who.self,
    "werkgever": Who.employer,
    "uwv": Who.uwv,
    "gemeente": Who.gemeente,
    "oo_fonds": Who.oo_fonds,
}


@dataclass
class FormInput:
    name: str = ""
    email: str = ""
    phone: str = ""
    postcode: str = ""
    consent: bool = False
    cohort_id: str = ""
    betaler: str = ""
    organisatie: str = ""
    kvk: str = ""
    factuur_naam: str = ""
    factuur_straat: str = ""
    factuur_postcode: str = ""
    factuur_plaats: str = ""
    factuur_email: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def payer(self) -> PayerChoice | None:
        """Who pays, validated; None when the person does not know yet (or with `errors` filled)."""
        if not self.betaler:
            return None
        who = PAYER_OPTIONS.get(self.betaler)
        if who is None:
            self.errors["betaler"] = MESSAGES["betaler"]
            return None
        invoice = self._invoice() if who == Who.self else None
        kvk = "".join(self.kvk.split())
        if who == Who.employer and not (len(kvk) == 8 and kvk.isdigit()):
            self.errors["kvk"] = MESSAGES["kvk"]
        if who in (Who.employer, Who.gemeente, Who.oo_fonds) and not self.organisatie.strip():
            self.errors["organisatie"] = MESSAGES["organisatie"]
        if self.errors:
            return None
        return PayerChoice(
            who=who,
            organisation=self.organisatie.strip() or None,
            kvk=kvk if who == Who.employer else None,
            invoice=invoice,
        )

    def _invoice(self) -> InvoiceDetails | None:
        try:
            return InvoiceDetails(
                name=self.factuur_naam or self.name,
                street=self.factuur_straat,
                postcode=self.factuur_postcode,
                city=self.factuur_plaats,
                email=self.factuur_email or None,
            )
        except ValidationError as error:
            for problem in error.errors():
                key = "factuur_" + {"name": "naam", "street": "straat", "city": "plaats"}.get(
                    str(problem["loc"][0]), str(problem["loc"][0])
                )
                self.errors[key] = MESSAGES.get(key, "Controleer dit vak.")
            return None

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

    def validated(self) -> tuple[Applicant | None, PayerChoice | None]:
        """The applicant and who pays, both checked; every problem lands in `errors`."""
        payer = self.payer()
        applicant = self.applicant()
        return (applicant, payer) if not self.errors else (None, None)
