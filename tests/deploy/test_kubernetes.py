"""deploy/k8s (no cluster here): kustomize (built from its Go module, deploy/k8s/kustomize.sh)
renders the base and the production overlay, every manifest is valid against the Kubernetes
schemas (kubernetes-validate, strict: unknown fields fail) of the oldest and the newest version a
region may run, and each service has what running several replicas needs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SERVICES = ("catalogue", "matching", "recruitment", "billing")
OVERLAYS = ("base", "overlays/production")
KUBERNETES_VERSIONS = ("1.31.0", kubernetes_validate.latest_version())


def render(overlay: str) -> list[dict[str, Any]]:
    result = subprocess.run(
        ["bash", str(K8S / "kustomize.sh"), "build", str(K8S / overlay)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    return {overlay: render(overlay) for overlay in OVERLAYS}


def named(manifests: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"].startswith(name)]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_manifest_is_valid_against_the_kubernetes_schemas(rendered, overlay, version):
    errors = []
    for manifest in rendered[overlay]:
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{manifest['kind']}/{manifest['metadata']['name']}: {error.message}")
    assert errors == []


def test_the_schema_check_would_catch_a_mistake(rendered):
    deployment = named(rendered["base"], "Deployment", "billing")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["pathh"] = "/x"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


def max_partitions() -> int:
    script = (ROOT / "deploy" / "kafka" / "topics.sh").read_text()
    return max(int(n) for n in re.findall(r"^[a-z]+\.[a-z_]+\.v\d+ (\d+)$", script, flags=re.MULTILINE))


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_runs_several_replicas_with_probes_limits_disruption_budget_and_autoscaler(
    rendered, service
):
    production = rendered["overlays/production"]
    deployment = named(production, "Deployment", service)
    assert deployment["metadata"]["namespace"] == "llo-match"
    assert deployment["spec"]["replicas"] >= 2
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["image"].startswith(f"registry.example.org/llo-match/{service}:")
    assert container["livenessProbe"]["httpGet"]["path"] == f"/{service}/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == f"/{service}/readyz"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    configmap = named(production, "ConfigMap", "llo-match-region")["metadata"]["name"]
    assert container["envFrom"] == [{"configMapRef": {"name": configmap}}]
    secrets = {e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"] if "valueFrom" in e}
    assert secrets == {"llo-match-secrets"}

    labels = deployment["spec"]["selector"]["matchLabels"]
    assert named(production, "Service", service)["spec"]["selector"] == labels
    budget = named(production, "PodDisruptionBudget", service)["spec"]
    assert budget["selector"]["matchLabels"] == labels
    assert budget["minAvailable"] < deployment["spec"]["replicas"]
    autoscaler = named(production, "HorizontalPodAutoscaler", service)["spec"]
    assert autoscaler["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
    assert 2 <= autoscaler["minReplicas"] <= deployment["spec"]["replicas"] <= autoscaler["maxReplicas"]
    assert autoscaler["maxReplicas"] <= max_partitions(), "idle group members beyond the partitions"

    [rule] = named(production, "Ingress", "llo-match")["spec"]["rules"]
    backends = {p["path"]: p["backend"]["service"]["name"] for p in rule["http"]["paths"]}
    assert backends[f"/{service}/"] == service


def test_no_secret_values_are_kept_in_the_manifests(rendered):
    for overlay in OVERLAYS:
        assert not [m for m in rendered[overlay] if m["kind"] == "Secret"]
        for manifest in rendered[overlay]:
            if manifest["kind"] == "ConfigMap":
                assert not any("SECRET" in key or "MONGO_URL" in key for key in manifest["data"])
