"""Who pays for a placed person's seat, as it travels to recruitment (and on to billing).

A candidate may name a payer when registered, the person themselves included. Organisations
(employer, UWV, gemeente, O&O-fonds) travel as they are. A person never travels by name: their id
and name in the event are the candidate's pseudonymous ref, and their invoice details (kept in
matching as personal data, removed on erasure) are sealed for billing (llo_shared.sealed), so the
placement event carries ciphertext only billing's key opens.
"""

from __future__ import annotations

from typing import Any

from llo_shared.sealed import Sealer


def placement_payers(
    payers: list[dict[str, Any]], person_ref: str | None, sealer: Sealer
) -> list[dict[str, Any]]:
    """The payers as a placement publishes them: a paying person by pseudonym, details sealed."""
    return [_travelling(payer, person_ref, sealer) for payer in payers]


def _travelling(payer: dict[str, Any], person_ref: str | None, sealer: Sealer) -> dict[str, Any]:
    details = payer.get("invoice_details")
    public = {k: v for k, v in payer.items() if k not in ("invoice_details", "sealed_details")}
    if payer.get("kind") != "participant":
        return public
    ref = person_ref or payer["payer_id"]
    return public | {
        "payer_id": ref,
        "name": ref,
        "sealed_details": sealer(_present(details)) if details else payer.get("sealed_details"),
    }


def _present(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in details.items() if v is not None}


def erased_payers(payers: list[dict[str, Any]], person_ref: str) -> list[dict[str, Any]]:
    """A placement's payers after the person asked to be forgotten: no name, no details, sealed or not."""
    return [
        {k: v for k, v in payer.items() if k not in ("invoice_details", "sealed_details")}
        | ({"payer_id": person_ref, "name": person_ref} if payer.get("kind") == "participant" else {})
        for payer in payers
    ]
