"""The issuer's claims -> role, organisation and region (llo_shared.oidc, deploy/README.md)."""

from __future__ import annotations

import pytest

from llo_shared.oidc import SignInRefused, _local_path, principal_from_claims
from llo_shared.settings import ServiceSettings


def test_default_claims_are_read_as_they_are():
    settings = ServiceSettings()
    claims = {"sub": "u1", "role": "employer", "org": "KVK-1", "region": "twente"}
    principal = principal_from_claims(claims, settings)
    assert (principal.subject, principal.role, principal.org, principal.region) == (
        "u1",
        "employer",
        "KVK-1",
        "twente",
    )


def test_nested_role_lists_are_mapped_to_llo_roles():
    settings = ServiceSettings(
        oidc_role_claim="realm_access.roles",
        oidc_org_claim="llo.organisation",
        oidc_role_map={"llo-financien": "finance"},
    )
    claims = {
        "sub": "u2",
        "realm_access": {"roles": ["offline_access", "llo-financien"]},
        "llo": {"organisation": "BRIN-25LH"},
    }
    principal = principal_from_claims(claims, settings)
    assert (principal.role, principal.org, principal.region) == ("finance", "BRIN-25LH", None)


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "u3", "role": "employer"},
        {"sub": "u3", "role": "superuser", "org": "KVK-1"},
        {"sub": "u3", "org": "KVK-1"},
        {"sub": "u3", "role": "employer", "org": ["KVK-1"]},
    ],
)
def test_no_known_role_or_no_organisation_is_refused(claims):
    with pytest.raises(SignInRefused) as refusal:
        principal_from_claims(claims, ServiceSettings())
    assert refusal.value.status_code == 403


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example", "billing"])
def test_sign_in_returns_only_to_paths_on_this_host(target):
    assert _local_path(target, "/billing/") == "/billing/"
    assert _local_path("/billing/facturen?status=open", "/") == "/billing/facturen?status=open"
