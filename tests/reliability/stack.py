"""A whole local stack of its own, as `make stack` starts it (deploy/local/stack.sh): Kafka,
FerretDB, each service as its own process and the gateway, on free ports and in a state folder of
its own. So it never touches the shared broker and store other people use, and it starts from
nothing as on a fresh clone (no keys, no topics, no databases), fetching or building the servers
into .cache/ only when they are not there yet (a fresh CI machine)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from llo_shared.auth import issue_dev_token
from llo_shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
STACK_SH = ROOT / "deploy" / "local" / "stack.sh"
KAFKA_SH = ROOT / "deploy" / "local" / "kafka.sh"
SERVICES = ("catalogue", "matching", "recruitment", "billing")


def free_ports(count: int) -> list[int]:
    """Ports nothing listens on now (bound together, so they differ from each other)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class LocalStack:
    state: Path
    extra_env: Mapping[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.ports:  # given: a stack started earlier (say by bench/reliability/run.py)
            names = ("kafka", "kafka_controller", "mongo", "gateway", *SERVICES)
            self.ports = dict(zip(names, free_ports(len(names)), strict=True))

    # addresses ----------------------------------------------------------------------
    @property
    def kafka(self) -> str:
        return f"127.0.0.1:{self.ports['kafka']}"

    @property
    def mongo_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.ports['mongo']}/?maxPoolSize=1"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def env(self) -> dict[str, str]:
        # Nothing of a caller's own stack or test infrastructure leaks in; the tool cache is shared.
        keep = {"LLO_CACHE_DIR", "LLO_PYTHON", "LLO_KEEP_BUILD_CACHES"}
        env = {k: v for k, v in os.environ.items() if not k.startswith("LLO_") or k in keep}
        env |= {
            "LLO_LOCAL_DIR": str(self.state),
            "LLO_KAFKA_PORT": str(self.ports["kafka"]),
            "LLO_KAFKA_CONTROLLER_PORT": str(self.ports["kafka_controller"]),
            "LLO_MONGO_PORT": str(self.ports["mongo"]),
            "LLO_STACK_PORT": str(self.ports["gateway"]),
            "LLO_KAFKA_HEAP_OPTS": "-Xms96m -Xmx384m",
            "LLO_STOP_TIMEOUT": "20",
        }
        env |= {f"LLO_STACK_{s.upper()}_PORT": str(self.ports[s]) for s in SERVICES}
        return env | dict(self.extra_env)

    # the scripts ---------------------------------------------------------------------
    def _run(self, script: Path, *args: str, timeout: float = 1200) -> str:
        result = subprocess.run(
            ["bash", str(script), *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{script.name} {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def up(self, timeout: float = 1200) -> str:
        """stack.sh up: starts what is not running (all of it, or a killed service) and waits."""
        return self._run(STACK_SH, "up", timeout=timeout)

    def down(self) -> str:
        return self._run(STACK_SH, "down", timeout=300)

    def status(self) -> int:
        return subprocess.run(
            ["bash", str(STACK_SH), "status"], cwd=ROOT, env=self.env(), capture_output=True
        ).returncode

    def kafka_stop(self) -> str:
        return self._run(KAFKA_SH, "stop", timeout=300)

    def kafka_start(self) -> str:
        return self._run(KAFKA_SH, "start")

    # one service --------------------------------------------------------------------
    def pid(self, service: str) -> int:
        return int((self.state / "stack" / f"{service}.pid").read_text().strip())

    def kill(self, service: str) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed or committed."""
        pid = self.pid(service)
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid)

    def stop(self, service: str) -> None:
        """SIGTERM, as a restart or a rolling update stops a process."""
        pid = self.pid(service)
        os.kill(pid, signal.SIGTERM)
        _wait_gone(pid)

    def log(self, service: str) -> str:
        path = self.state / "stack" / f"{service}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # talking to it --------------------------------------------------------------------
    def token(self, role: str, org: str, region: str | None = None) -> str:
        """A dev token signed with this stack's own key (what `llo token` prints with its variables)."""
        settings = ServiceSettings(dev_key_file=self.state / "dev-signing-key.pem")
        return issue_dev_token(settings, role=role, org=org, region=region)

    def answers(self, service: str) -> bool:
        """Whether the service says it is ready (slowly on a loaded machine: a generous timeout)."""
        try:
            with urllib.request.urlopen(f"{self.url(service)}/{service}/readyz", timeout=30) as response:
                return bool(response.status == 200)
        except OSError:
            return False


def _wait_gone(pid: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            # Dead but not yet reaped by whoever adopted it counts as gone.
            if "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text():
                return
        except (ProcessLookupError, FileNotFoundError):
            return
        time.sleep(0.1)
    raise TimeoutError(f"process {pid} still running after {timeout}s")
