"""Where the CPU went during a measured run: the riotjobs process, the sandbox, and the host.

A benchmark whose client and sandbox share a small machine is bound by CPU as much as by the
rate limits; these figures say by how much. Linux only for the sandbox and the host (``/proc``);
elsewhere those figures are None.

    meter = CpuMeter(sandbox_pid=sb.process.pid)
    ...  # one riotjobs process, waited for (its CPU counts once it has exited)
    meter.stop()  # right away: the sandbox's later answers (its log, its stats) do not count
    meter.figures(requests=1008)  # -> {"riotjobs_ms_per_request": 5.9, ...}
"""

from __future__ import annotations

import os
import resource
from pathlib import Path
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def children_cpu() -> float:
    """User + system seconds of this process's waited-for children."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def process_cpu(pid: int) -> float | None:
    """User + system seconds of a running process, or None without ``/proc``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14, 15)


def host_ticks() -> list[int] | None:
    """The host's CPU ticks: user nice system idle iowait irq softirq steal, or None."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    return [int(x) for x in first[1:9]] if first and first[0] == "cpu" else None


class CpuMeter:
    """CPU used between its creation and ``stop``: by the riotjobs child, the sandbox, the host."""

    def __init__(self, *, sandbox_pid: int) -> None:
        self._pid = sandbox_pid
        self._children = children_cpu()
        self._sandbox = process_cpu(sandbox_pid)
        self._host = host_ticks()
        self._end: tuple[float, float | None, list[int] | None] | None = None

    def stop(self) -> None:
        self._end = (children_cpu(), process_cpu(self._pid), host_ticks())

    def figures(self, *, requests: int) -> dict[str, Any]:
        """Seconds, milliseconds per request and the host's shares (None where unknown)."""
        if self._end is None:
            self.stop()
        assert self._end is not None
        children_now, sandbox_now, host_now = self._end
        riotjobs = children_now - self._children
        per = max(1, requests)
        out: dict[str, Any] = {
            "riotjobs_cpu_s": round(riotjobs, 2),
            "riotjobs_ms_per_request": round(riotjobs / per * 1000, 2),
            "sandbox_cpu_s": None,
            "sandbox_ms_per_request": None,
            "host_busy_share": None,
            "host_steal_share": None,
        }
        if self._sandbox is not None and sandbox_now is not None:
            sandbox = sandbox_now - self._sandbox
            out["sandbox_cpu_s"] = round(sandbox, 2)
            out["sandbox_ms_per_request"] = round(sandbox / per * 1000, 2)
        if self._host is not None and host_now is not None:
            delta = [b - a for a, b in zip(self._host, host_now, strict=True)]
            total = sum(delta) or 1
            idle = delta[3] + delta[4]
            out["host_busy_share"] = round(1 - idle / total, 3)
            out["host_steal_share"] = round(delta[7] / total, 3)
        return out
