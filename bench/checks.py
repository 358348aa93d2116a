"""Whole-tool timings beside the load test: a bounded Schemathesis run and ``mockserver verify``."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CheckResult", "timed_run"]

NOT_AVAILABLE = "not available yet"


@dataclass(frozen=True)
class CheckResult:
    """How long a command took and how it exited; ``status`` is "ok", "skipped" or "failed"."""

    name: str
    status: str
    seconds: float | None = None
    exit_code: int | None = None
    command: list[str] = field(default_factory=list)
    summary: str = ""  # the command's last meaningful output line, or why it did not run


def _last_line(text: str) -> str:
    lines = [line.strip(" =") for line in text.splitlines() if line.strip(" =")]
    return lines[-1][:300] if lines else ""


def timed_run(name: str, argv: Sequence[str], *, cwd: Path, timeout: float) -> CheckResult:
    """Run ``argv`` to completion and time it; a non-zero exit is recorded, not raised."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            list(argv),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return CheckResult(
            name,
            "failed",
            round(time.perf_counter() - started, 2),
            None,
            list(argv),
            f"did not finish within {timeout:.0f} s",
        )
    except OSError as exc:
        return CheckResult(name, "failed", None, None, list(argv), f"cannot run: {exc}")
    return CheckResult(
        name,
        "ok",
        round(time.perf_counter() - started, 2),
        done.returncode,
        list(argv),
        _last_line(done.stdout) or _last_line(done.stderr),
    )
