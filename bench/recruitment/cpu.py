"""Where the CPU goes during a benchmark's clock: CPU seconds of named processes (from
/proc/<pid>/stat), of the whole machine (/proc/stat) and the load average, at the start and the end.

Linux only, no dependency: the figures the kernel keeps for `top`."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int | str) -> tuple[float, int] | None:
    """(user + system CPU seconds of all its threads, its start time) of a process, None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / TICKS, int(fields[19])  # utime, stime; starttime


def process_cpu_s(pid: int) -> float | None:
    stat = _stat(pid)
    return stat and stat[0]


def every_process() -> dict[int, tuple[float, int]]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(entry.name)) is not None:
            found[int(entry.name)] = stat
    return found


def command_line(pid: int, limit: int = 80) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return f"pid {pid}"
    return b" ".join(w for w in words if w).decode(errors="replace")[:limit] or f"pid {pid}"


def machine_cpu_s() -> dict[str, float]:
    """CPU seconds of every core since boot: busy (user, nice, system, interrupts), stolen by the
    hypervisor for other guests, and all."""
    values = [int(v) / TICKS for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    # guest time is already counted in user
    return {"busy": user + nice + system + irq + softirq, "steal": steal, "all": sum(values[:8])}


def listening_pid(port: int) -> int | None:
    """The process that listens on a local TCP port (say FerretDB's or Kafka's), if this user may
    see it: the socket's inode from /proc/net/tcp*, then the process holding that inode."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            columns = line.split()
            if columns[3] == "0A" and int(columns[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(f"socket:[{columns[9]}]")
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in (pid_dir / "fd").iterdir()):
                return int(pid_dir.name)
        except OSError:
            continue
    return None


@dataclass
class CpuClock:
    """Started around one clock of a benchmark; `stop` says how many CPU seconds each process and
    the machine used in it, and how many cores that is on average."""

    pids: dict[str, int | None]
    _wall: float = field(default_factory=time.perf_counter)
    _load: float = field(default_factory=lambda: os.getloadavg()[0])
    _machine: dict[str, float] = field(default_factory=machine_cpu_s)
    _processes: dict[int, tuple[float, int]] = field(default_factory=every_process)

    def stop(self) -> dict[str, Any]:
        wall = time.perf_counter() - self._wall
        now, machine = every_process(), machine_cpu_s()
        used = {pid: cpu - self._since(pid, started) for pid, (cpu, started) in now.items()}
        by_process: dict[str, Any] = {}
        for name, pid in self.pids.items():
            if pid is None or pid not in used or pid not in self._processes:
                by_process[name] = None  # not found, or not there for the whole clock
                continue
            by_process[name] = {"cpu_s": round(used[pid], 2), "cores": round(used[pid] / wall, 2)}
        named = set(self.pids.values())
        others = sorted(((cpu, pid) for pid, cpu in used.items() if pid not in named), reverse=True)
        busy, steal, total = (machine[k] - self._machine[k] for k in ("busy", "steal", "all"))
        return {
            "wall_s": round(wall, 2),
            "load_average_1m": {"start": round(self._load, 2), "end": round(os.getloadavg()[0], 2)},
            "machine_busy_cpu_s": round(busy, 2),
            "machine_busy_cores": round(busy / wall, 2),
            "machine_stolen_cpu_s": round(steal, 2),
            "machine_cores": os.cpu_count(),
            "machine_idle_share": round(1 - (busy + steal) / total, 2) if total else None,
            "by_process": by_process,
            "everything_else_cpu_s": round(busy - sum(p["cpu_s"] for p in by_process.values() if p), 2),
            "everything_else_top": [
                {"process": command_line(pid), "cpu_s": round(cpu, 2)}
                for cpu, pid in others[:3]
                if cpu >= 0.05
            ],
        }

    def _since(self, pid: int, started: int) -> float:
        """CPU seconds the process had when the clock started (0 if it started during the clock)."""
        before = self._processes.get(pid)
        return before[0] if before is not None and before[1] == started else 0.0
