"""Sealed personal data: details only one service may read, carried through events that others see.

A private participant who pays for their own seat is a customer: billing needs their name and
address for the invoice, but recruitment (and matching) collect them, and events are read by every
service (DESIGN.md: no plain personal data in events). So the collecting service seals the details
for billing: a JWE (RFC 7516, ECDH-ES+A256KW with A256GCM) encrypted to billing's public key. Only
the holder of billing's private key can open it; the Kafka log holds ciphertext only.

Keys: production reads billing's key pair from files named in the settings
(`LLO_SEALING_KEY_FILE` for billing's private key, `LLO_SEALING_PUBLIC_KEY_FILE` for the others);
dev and demo mode make one local key pair once, like the dev signing key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from llo_shared.files import write_once_atomically

_HEADER = {"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "cty": "llo-invoice-details+json"}


# What a collecting service (recruitment, matching) is given to seal invoice details with.
Sealer = Callable[[dict[str, Any]], str]


class SealError(ValueError):
    """The sealed text cannot be opened with this key (wrong key, tampered, or not a JWE)."""


def sealing_key(path: Path, *, create: bool) -> ECKey:
    """The key in `path` (billing: its private key; the sealing services: billing's public key,
    or the private PEM, whose public half is used). With `create` (dev and demo mode only) a
    missing file becomes a fresh key pair, written atomically: several processes start together."""
    if create and not path.exists():
        write_once_atomically(path, ECKey.generate_key("P-256", private=True).as_pem(private=True))
    return ECKey.import_key(path.read_bytes())


def public_half(key: ECKey) -> ECKey:
    return ECKey.import_key(key.as_pem(private=False))


def seal(details: Mapping[str, Any], public_key: ECKey) -> str:
    """Encrypt `details` (JSON-serialisable) so that only the private key's holder can read them."""
    plaintext = json.dumps(dict(details), ensure_ascii=False, sort_keys=True).encode()
    return jwe.encrypt_compact(dict(_HEADER), plaintext, public_half(public_key))


def unseal(token: str, private_key: ECKey) -> dict[str, Any]:
    try:
        opened = jwe.decrypt_compact(token, private_key)
    except (JoseError, ValueError) as error:
        raise SealError(f"sealed details cannot be opened: {type(error).__name__}") from None
    if opened.plaintext is None:
        raise SealError("sealed details are empty")
    details = json.loads(opened.plaintext)
    if not isinstance(details, dict):
        raise SealError("sealed details are not an object")
    return details


def refuse_to_seal(details: dict[str, Any]) -> str:
    """The sealer of a service wired without billing's key: collected details never travel."""
    raise RuntimeError("no sealing key configured: invoice details cannot go to billing")


def file_sealer(key_file: Path, *, create: bool) -> Sealer:
    """Seals for billing with the key in `key_file` (its public half), read once when first needed."""
    key: ECKey | None = None

    def sealer(details: dict[str, Any]) -> str:
        nonlocal key
        if key is None:
            key = sealing_key(key_file, create=create)
        return seal(details, key)

    return sealer
