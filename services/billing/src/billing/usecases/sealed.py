"""Private participants as real payers: their invoice details arrive sealed, and go when erased.

Recruitment (and matching for placements) collect who pays; for a participant who pays
themselves they seal the invoice details for billing (`llo_shared.sealed`: a JWE to billing's
public key) into the payer of `ParticipantEnrolled` (`payers[].sealed_details`). Kafka only ever
carries ciphertext. Billing opens it with its private key and keeps the details in the payer
register of the provider's administration, under the payer's pseudonym (`pr-...`); the sealed
text itself is not stored. A token that cannot be opened is a poison event: the handler raises,
and after the bus's retries the event is in the DLQ with the reason, never a crash.

Erasure (`forget`): the register's details of the person go, and so do invoices that were still
waiting for them (never issued, so no fiscal record). Issued invoices and credit notes keep the
party as it was on them: the law wants them kept for seven years (art. 52 AWR)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from joserfc.jwk import ECKey
from pymongo.errors import DuplicateKeyError

from billing.domain.text import clean
from billing.store import DOCUMENTS, PAYERS, WAITING
from billing.usecases.issuing import issue_waiting
from billing.usecases.payers import register_entry
from llo_shared.sealed import SealError, sealing_key, unseal

log = logging.getLogger(__name__)

DETAIL_LIMITS = {"name": 200, "street": 200, "postcode": 10, "city": 100, "country": 2, "email": 200}


class UnreadableDetails(ValueError):
    """Sealed invoice details billing cannot open: the event goes to the DLQ with this reason."""


def key_loader(settings: Any) -> Callable[[], ECKey]:
    """Billing's private sealing key, read once when first needed (made locally in dev, demo
    and test mode; in production the file named by LLO_SEALING_KEY_FILE must exist)."""
    loaded: list[ECKey] = []

    def load() -> ECKey:
        if not loaded:
            create = settings.environment in ("dev", "demo", "test")
            try:
                loaded.append(sealing_key(settings.sealing_key_file, create=create))
            except (OSError, ValueError) as error:
                raise UnreadableDetails(f"billing has no sealing key: {type(error).__name__}") from None
        return loaded[0]

    return load


class SealedPayers:
    def __init__(self, key: Callable[[], ECKey] | None = None) -> None:
        self._key = key

    def open(self, token: str) -> dict[str, str]:
        """The details as the register keeps them (cleaned, bounded), or UnreadableDetails."""
        if self._key is None:
            raise UnreadableDetails("billing has no sealing key configured")
        try:
            details = unseal(token, self._key())
        except SealError as error:
            raise UnreadableDetails(str(error)) from None
        opened = {
            field: clean(str(details.get(field) or ""))[:limit] for field, limit in DETAIL_LIMITS.items()
        }
        opened["country"] = opened["country"].upper() if len(opened["country"]) == 2 else "NL"
        return opened

    async def remember(self, db: Any, enrolments: list[tuple[Any, dict[str, Any], date]]) -> None:
        """Open every sealed payer of these enrolments (with their cohort and day) first, so a bad
        one stops all before any write; then keep the details and issue what waited for them."""
        opened = []
        for enrolment, cohort, day in enrolments:
            entity_id = enrolment.provider_id or cohort.get("provider_id")
            for payer in enrolment.payers:
                if getattr(payer, "sealed_details", None) and entity_id:
                    opened.append((entity_id, payer.payer_id, self.open(payer.sealed_details), day))
        for entity_id, payer_id, details, day in opened:
            await _keep(db, entity_id, payer_id, details)
            await issue_waiting(db, entity_id, payer_id, day)


async def _keep(db: Any, entity_id: str, payer_id: str, details: dict[str, str]) -> None:
    """The latest sealed details, unless finance corrected this payer by hand (theirs stand)."""
    entry = register_entry(entity_id, payer_id, details | {"kind": "participant", "scheme": None}, "sealed")
    entry["email"] = entry["email"] or None
    try:
        await db[PAYERS].replace_one({"_id": entry["_id"], "source": {"$ne": "finance"}}, entry, upsert=True)
    except DuplicateKeyError:
        pass  # finance's own entry: kept


async def forget(db: Any, payer_id: str) -> None:
    """Erasure of a person who pays (or would pay) as a participant: see the module text."""
    registered = await db[PAYERS].find({"payer_id": payer_id, "kind": "participant"}).to_list(None)
    for entry in registered:
        await db[PAYERS].delete_one({"_id": entry["_id"]})
    dropped = await db[WAITING].delete_many({"payer_id": payer_id, "payer_kind": "participant"})
    kept = await db[DOCUMENTS].count_documents({"payer.payer_id": payer_id})
    log.info(
        "participant payer erased",
        extra={"register_entries": len(registered), "waiting_dropped": dropped.deleted_count, "kept": kept},
    )
