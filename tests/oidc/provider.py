"""A real OpenID provider on loopback for the sign-in tests: `oidc-provider` (npm) under Node.

Its packages are installed with `npm ci` from tests/oidc/package-lock.json into
.cache/oidc-provider/<lock hash>/ the first time (and after the lock changes), then reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CACHE = ROOT / ".cache" / "oidc-provider"


@dataclass(frozen=True)
class Person:
    login: str
    password: str
    claims: dict[str, Any]


@dataclass(frozen=True)
class RunningProvider:
    issuer: str
    client_id: str
    client_secret: str


def installed_provider() -> Path:
    """The folder holding server.mjs and its node_modules, installed once per lock file."""
    lock = (HERE / "package-lock.json").read_bytes()
    folder = CACHE / hashlib.sha256(lock).hexdigest()[:16]
    if not (folder / "node_modules" / "oidc-provider").is_dir():
        staging = folder.with_name(f"{folder.name}.{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(HERE / name, staging / name)
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--omit=dev", "--loglevel=error"],
            cwd=staging,
            check=True,
            timeout=600,
        )
        try:
            staging.rename(folder)
        except OSError:  # another session installed the same lock meanwhile
            shutil.rmtree(staging, ignore_errors=True)
    shutil.copy2(HERE / "server.mjs", folder / "server.mjs")  # cheap, and never stale
    return folder


@contextmanager
def openid_provider(
    issuer: str,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str],
    people: list[Person],
    client_secret: str,
    client_id: str = "llo-match",
) -> Iterator[RunningProvider]:
    """Runs the provider at `issuer` (http://127.0.0.1:<port>) with one confidential client."""
    folder = installed_provider()
    running = RunningProvider(issuer, client_id, client_secret)
    client = {
        "client_id": running.client_id,
        "client_secret": running.client_secret,
        "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": post_logout_redirect_uris,
    }
    env = os.environ | {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT": json.dumps(client),
        "OIDC_PEOPLE": json.dumps({p.login: {"password": p.password, "claims": p.claims} for p in people}),
        "NODE_ENV": "test",
    }
    process = subprocess.Popen(["node", "server.mjs"], cwd=folder, env=env)
    try:
        _wait_for_discovery(issuer, process)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for_discovery(issuer: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oidc-provider exited with {process.returncode}")
        try:
            if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"oidc-provider did not answer at {issuer} within {timeout_s} s")
