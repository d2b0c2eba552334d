"""The applicant's own way back to an application, without an account: a reference to quote on
the phone, and a personal status link. The link holds a secret; the store keeps only its SHA-256
hash beside the application's personal data (erasure empties it, and the link stops working)."""

from __future__ import annotations

import hashlib
import secrets

from recruitment.charts import STAGE_LABELS
from recruitment.domain.funnel import Stage

STATUS_PATH = "/recruitment/aanmelding/{key}"

# Where the application stands, said to the applicant (the worklist's labels are for the provider).
APPLICANT_STAGE_TEXT = {
    Stage.interested: "We hebben uw aanmelding ontvangen. De opleider neemt contact met u op voor een "
    "kennismakingsgesprek (intake).",
    Stage.intake_planned: "Uw kennismakingsgesprek (intake) is gepland. De opleider laat u weten wanneer.",
    Stage.intake_done: "U had uw kennismakingsgesprek (intake). De opleider beslist of u kunt beginnen.",
    Stage.admitted: "U bent toegelaten tot de opleiding. De opleider schrijft u in.",
    Stage.enrolment_requested: "De opleider vraagt nu een plaats voor u aan.",
    Stage.enrolled: "U bent ingeschreven. De opleider stuurt u de gegevens voor de eerste lesdag.",
    Stage.waitlisted: "U staat op de wachtlijst. Komt er een plaats vrij, dan hoort u het van de opleider.",
    Stage.withdrawn: "U heeft zich afgemeld. Wilt u toch beginnen? Neem dan contact op met de opleider.",
    Stage.rejected: "U kunt helaas niet met deze opleiding beginnen. De opleider heeft u verteld waarom.",
}


def new_status_key() -> tuple[str, str]:
    """(the secret for the link, the hash the store keeps)."""
    key = secrets.token_urlsafe(18)
    return key, status_key_hash(key)


def status_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def status_path(key: str) -> str:
    return STATUS_PATH.format(key=key)


def reference(application_id: str) -> str:
    """The reference the applicant quotes, "3F9C-12AB": short, the same for every kind of
    application id, and found by the worklist's search."""
    code = hashlib.sha256(application_id.encode()).hexdigest()[:8].upper()
    return f"{code[:4]}-{code[4:]}"


def stage_title(stage: str) -> str:
    return STAGE_LABELS.get(stage, "Onbekend")  # type: ignore[call-overload]  # StrEnum keys match str


def stage_text(stage: str) -> str:
    return APPLICANT_STAGE_TEXT.get(stage, "")  # type: ignore[call-overload]
