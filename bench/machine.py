"""What machine and software versions a run was measured on."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata, util
from pathlib import Path

__all__ = ["load_average", "machine_info"]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def load_average() -> float | None:
    """The 1-minute load average: other work on the machine skews every figure."""
    try:
        return float(Path("/proc/loadavg").read_text(encoding="utf-8").split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _source() -> dict[str, str | None]:
    """Which mockserver code is measured: its folder and the checkout's commit (read-only git)."""
    found = util.find_spec("mockserver")
    folder = Path(found.origin).parent if found and found.origin else None
    commit = None
    if folder is not None:
        try:
            done = subprocess.run(
                ["git", "-C", str(folder), "rev-parse", "--short", "HEAD"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
            commit = done.stdout.strip() or None
        except OSError:
            pass
    return {"mockserver_source": str(folder) if folder else None, "git_head": commit}


def machine_info() -> dict[str, object]:
    """CPU model, cores, memory, OS and the Python-side versions (tools are added by the runner)."""
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        # Which build: a distribution's (optimized) and pyenv's differ by a quarter in CPU.
        "python_executable": os.path.realpath(sys.executable),
        "mockserver": _version("mockserver"),
        "uvicorn": _version("uvicorn"),
        "starlette": _version("starlette"),
        "httptools": _version("httptools"),
        "uvloop": _version("uvloop"),
        **_source(),
    }
