"""The shipped skills reference set: stable ids, Dutch labels, known SBB domains."""

import re

from llo_shared.skills import load_skills


def test_reference_set_is_versioned_and_sized_for_the_project() -> None:
    reference = load_skills()
    assert re.fullmatch(r"\d{4}\.\d+\.\d+", reference.version)
    assert 60 <= len(reference) <= 120


def test_ids_are_unique_dotted_and_domains_are_sbb_codes() -> None:
    reference = load_skills()
    ids = [skill.id for skill in reference.skills]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+\.[a-z0-9_]+", skill_id) for skill_id in ids)
    domain_codes = {domain.code for domain in reference.domains}
    assert len(domain_codes) == 8
    assert all(skill.domain is None or skill.domain in domain_codes for skill in reference.skills)


def test_lookup_helpers() -> None:
    reference = load_skills()
    assert "zorg.adl" in reference and "techniek.elektra" in reference
    assert reference.label("zorg.medicatie").startswith("Medicatie")
    assert reference.unknown(["zorg.adl", "nope.nope"]) == ["nope.nope"]
    assert reference.domain_label("zorg_welzijn_sport") == "Zorg, welzijn en sport"
