"""Sealed invoice details: only the private key's holder reads them; tampering is refused."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from llo_shared.files import write_once_atomically
from llo_shared.sealed import SealError, public_half, seal, sealing_key, unseal

DETAILS = {"name": "Fatima el Amrani", "street": "Stationsplein 12", "postcode": "1315 AB", "city": "Almere"}


def test_sealed_details_open_only_with_the_private_key(tmp_path: Path) -> None:
    private = sealing_key(tmp_path / "billing.pem", create=True)
    token = seal(DETAILS, public_half(private))
    assert "Fatima" not in token and "Almere" not in token
    assert unseal(token, private) == DETAILS
    other = sealing_key(tmp_path / "other.pem", create=True)
    with pytest.raises(SealError):
        unseal(token, other)


def test_tampered_or_foreign_text_is_refused(tmp_path: Path) -> None:
    private = sealing_key(tmp_path / "billing.pem", create=True)
    token = seal(DETAILS, private)
    head, key, iv, ciphertext, tag = token.split(".")
    flipped = ciphertext[:-2] + ("A" if ciphertext[-2] != "A" else "B") + ciphertext[-1]
    for bad in (".".join((head, key, iv, flipped, tag)), "not-a-jwe", ""):
        with pytest.raises(SealError):
            unseal(bad, private)


def test_without_create_a_missing_key_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        sealing_key(tmp_path / "missing.pem", create=False)


def test_processes_creating_one_key_file_at_once_all_read_a_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "keys" / "dev.pem"

    def create(i: int) -> bytes:
        write_once_atomically(target, f"key {i}\n".encode() * 500)
        return target.read_bytes()

    with ThreadPoolExecutor(16) as pool:
        seen = set(pool.map(create, range(64)))
    assert len(seen) == 1 and target.read_bytes() in seen
    assert sorted(p.name for p in target.parent.iterdir()) == ["dev.pem"]
