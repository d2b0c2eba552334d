"""deploy/README.md's configuration table is the settings classes, so it cannot drift: every
setting has its row with its default, and no row names a setting that does not exist."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings

from billing.settings import BillingSettings
from catalogue.settings import CatalogueSettings
from llo_shared.settings import ServiceSettings
from matching.settings import MatchingSettings
from recruitment.settings import RecruitmentSettings

ROOT = Path(__file__).resolve().parents[2]
SERVICE_SETTINGS: dict[str, type[BaseSettings]] = {
    "catalogue": CatalogueSettings,
    "matching": MatchingSettings,
    "recruitment": RecruitmentSettings,
    "billing": BillingSettings,
}
ROW = re.compile(r"^\| `(LLO_[A-Z0-9_]+)` \| ([a-z]+) \| (.+?) \| .+ \|$", flags=re.MULTILINE)


def shown(default: Any) -> str:
    """A default as the table writes it."""
    if default is None:
        return "—"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, Enum):
        default = default.value
    if isinstance(default, str) and not default:
        return '`""`'
    return f"`{default}`"


def expected_rows() -> dict[str, tuple[str, str]]:
    """variable -> (service, default): shared settings once as LLO_<NAME>; a service's own
    settings, and shared ones whose default it changes, as LLO_<SERVICE>_<NAME>."""
    shared = ServiceSettings.model_fields
    rows = {f"LLO_{name.upper()}": ("all", shown(field.default)) for name, field in shared.items()}
    for service, settings in SERVICE_SETTINGS.items():
        for name, field in settings.model_fields.items():
            if name not in shared or field.default != shared[name].default:
                rows[f"LLO_{service.upper()}_{name.upper()}"] = (service, shown(field.default))
    return rows


def documented_rows(text: str) -> dict[str, tuple[str, str]]:
    rows: dict[str, tuple[str, str]] = {}
    for variable, service, default in ROW.findall(text):
        assert variable not in rows, f"{variable} has two rows"
        rows[variable] = (service, default)
    return rows


def test_the_configuration_table_is_the_settings_classes():
    documented = documented_rows((ROOT / "deploy" / "README.md").read_text())
    expected = expected_rows()
    assert sorted(set(expected) - set(documented)) == [], "settings without a row in deploy/README.md"
    assert sorted(set(documented) - set(expected)) == [], "rows for settings that do not exist"
    wrong = {v: (documented[v], expected[v]) for v in expected if documented[v] != expected[v]}
    assert wrong == {}, "rows whose service or default differs from the code: (table, code)"


def test_the_check_would_notice_a_new_setting_and_a_changed_default():
    text = (ROOT / "deploy" / "README.md").read_text()
    without_row = re.sub(r"^\| `LLO_OIDC_SCOPES` .*\n", "", text, flags=re.MULTILINE)
    assert "LLO_OIDC_SCOPES" not in documented_rows(without_row)
    changed = text.replace(
        "| `LLO_BILLING_RELAY_SWEEP_INTERVAL_S` | billing | `30.0` |",
        "| `LLO_BILLING_RELAY_SWEEP_INTERVAL_S` | billing | `5.0` |",
    )
    assert documented_rows(changed) != documented_rows(text)
    assert (
        documented_rows(text)["LLO_BILLING_RELAY_SWEEP_INTERVAL_S"]
        == expected_rows()["LLO_BILLING_RELAY_SWEEP_INTERVAL_S"]
    )


def configured_variables() -> dict[str, set[str]]:
    """The LLO_* variables that the compose file, the k8s manifests and the images set."""
    import yaml

    found: dict[str, set[str]] = {}
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        for variable in service.get("environment", {}):
            found.setdefault(variable, set()).add(f"docker-compose.yml: {name}")
    for path in (ROOT / "deploy" / "k8s").rglob("*.yaml"):
        for variable in re.findall(r"(?:- |name: )(LLO_[A-Z0-9_]+)", path.read_text()):
            found.setdefault(variable, set()).add(str(path.relative_to(ROOT)))
    for path in ROOT.glob("services/*/Dockerfile"):
        for variable in re.findall(r"\b(LLO_[A-Z0-9_]+)=", path.read_text()):
            found.setdefault(variable, set()).add(str(path.relative_to(ROOT)))
    return {v: where for v, where in found.items() if v.startswith("LLO_")}


def settings_names(variable: str) -> bool:
    """LLO_<NAME>, or LLO_<SERVICE>_<NAME> of a setting that service has."""
    shared = {name.upper() for name in ServiceSettings.model_fields}
    if variable.removeprefix("LLO_") in shared:
        return True
    service, _, name = variable.removeprefix("LLO_").partition("_")
    settings = SERVICE_SETTINGS.get(service.lower())
    return settings is not None and name.lower() in settings.model_fields


def test_compose_kubernetes_and_the_images_set_only_settings_that_exist():
    configured = configured_variables()
    assert {"LLO_OIDC_ISSUER", "LLO_KAFKA_BOOTSTRAP", "LLO_BILLING_ENVIRONMENT"} <= set(configured)
    unknown = {v: sorted(where) for v, where in configured.items() if not settings_names(v)}
    assert unknown == {}
