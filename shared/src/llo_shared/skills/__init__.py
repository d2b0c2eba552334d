"""The versioned skills reference set shared by catalogue (offering tags) and matching (demands, profiles).

`load_skills()` reads the JSON shipped beside this module once and returns an immutable
`SkillsReference`. Ids are stable ("zorg.adl", "techniek.elektra"): a released id is never renamed
or reused, so events and stored documents may carry bare ids. `domain` is the SBB domain code
(see `SkillsReference.domains` for the Dutch labels); None marks a domain-independent skill.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

__all__ = ["Domain", "Skill", "SkillsReference", "load_skills"]


@dataclass(frozen=True, slots=True)
class Skill:
    id: str
    label: str
    domain: str | None
    deprecated: bool = False


@dataclass(frozen=True, slots=True)
class Domain:
    code: str
    label: str


@dataclass(frozen=True)
class SkillsReference:
    version: str
    skills: tuple[Skill, ...]
    domains: tuple[Domain, ...]
    _by_id: dict[str, Skill] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {skill.id: skill for skill in self.skills})

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._by_id)

    def __contains__(self, skill_id: object) -> bool:
        return skill_id in self._by_id

    def __len__(self) -> int:
        return len(self.skills)

    def get(self, skill_id: str) -> Skill | None:
        return self._by_id.get(skill_id)

    def label(self, skill_id: str) -> str:
        """Dutch label; an unknown id is returned as is (pages must not break on a newer set)."""
        skill = self._by_id.get(skill_id)
        return skill.label if skill else skill_id

    def in_domain(self, domain_code: str) -> tuple[Skill, ...]:
        return tuple(skill for skill in self.skills if skill.domain == domain_code)

    def domain_label(self, domain_code: str) -> str:
        return next((d.label for d in self.domains if d.code == domain_code), domain_code)

    def unknown(self, skill_ids: list[str] | tuple[str, ...] | set[str]) -> list[str]:
        """The ids that are not in this set, in input order (for validation messages)."""
        return [skill_id for skill_id in skill_ids if skill_id not in self._by_id]


@lru_cache(maxsize=1)
def load_skills() -> SkillsReference:
    raw = json.loads(resources.files(__package__).joinpath("skills.json").read_text(encoding="utf-8"))
    return SkillsReference(
        version=raw["version"],
        skills=tuple(
            Skill(id=s["id"], label=s["label"], domain=s.get("domain"), deprecated=s.get("deprecated", False))
            for s in raw["skills"]
        ),
        domains=tuple(Domain(code=d["code"], label=d["label"]) for d in raw["domains"]),
    )
