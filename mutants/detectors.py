"""Detectors: commands that check a running provider and fail (exit 1) when they find a fault.

Each is a subprocess command template (split on spaces), run from the repository root (so
Schemathesis picks up ``schemathesis.toml`` and ``mockserver verify`` the committed pacts).
Placeholders: ``{python}``,
``{url}`` (the provider's root URL), ``{state_url}``, ``{seed}``, ``{max_examples}`` and
``{workdir}`` (a scratch folder for reports). A detector with a ``probe`` is used only when the
probe exits 0 (``mockserver conform`` is being built on another branch).

Exit 0 is "passed", 1 "detected"; anything else, or a timeout, is an error of the detector
(reported, never counted as a detection).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mutants.provider import ROOT

__all__ = [
    "DETECTORS",
    "Detector",
    "Outcome",
    "Target",
    "available",
    "run_detector",
]

Verdict = Literal["passed", "detected", "error"]


@dataclass(frozen=True, slots=True)
class Detector:
    """One pluggable detector."""

    name: str
    command: str
    probe: str | None = None
    timeout: float = 300.0


@dataclass(frozen=True, slots=True)
class Target:
    """What a detector runs against."""

    url: str
    state_url: str
    seed: int
    max_examples: int
    workdir: Path


@dataclass(frozen=True, slots=True)
class Outcome:
    """A detector's verdict on one provider."""

    detector: str
    verdict: Verdict
    exit_code: int | None
    seconds: float
    evidence: str


# Schemathesis: every phase and check of the repository's configuration, a small seeded budget,
# no example database (a failure found for one fault must not be replayed against the next) and
# no shrinking; it stops at the first failure, which is all a verdict needs.
DETECTORS: tuple[Detector, ...] = (
    Detector("verify", "{python} -m mockserver verify --provider-url {url}", timeout=240),
    Detector(
        "schemathesis",
        "{python} -m schemathesis.cli run openapi/openapi.yaml --url {url}/api/v1 --seed {seed}"
        " --max-examples {max_examples} --generation-database none --no-shrink --max-failures 1"
        " --report-dir {workdir}/schemathesis-report --no-color",
        timeout=420,
    ),
    Detector(
        "conform",
        "{python} -m mockserver conform --provider-url {url} --state-url {state_url} --seed {seed}",
        probe="{python} -m mockserver conform --help",
    ),
)


def _render(template: str, target: Target | None) -> list[str]:
    """The argv of ``template``: split on spaces first, so a value with a space stays one."""
    values = {"python": sys.executable}
    if target is not None:
        values |= {
            "url": target.url,
            "state_url": target.state_url,
            "seed": str(target.seed),
            "max_examples": str(target.max_examples),
            "workdir": str(target.workdir),
        }
    return [part.format(**values) for part in template.split()]


def available(detectors: Iterable[Detector], *, root: Path = ROOT) -> dict[str, str | None]:
    """Detector name -> None when usable, else why not (its probe failed)."""
    reasons: dict[str, str | None] = {}
    for detector in detectors:
        if detector.probe is None:
            reasons[detector.name] = None
            continue
        try:
            probe = subprocess.run(
                _render(detector.probe, None),
                cwd=root,
                capture_output=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            reasons[detector.name] = f"not available ({error})"
            continue
        reasons[detector.name] = (
            None
            if probe.returncode == 0
            else f"not available (`{_shown(detector.probe)}` exits {probe.returncode})"
        )
    return reasons


def _shown(template: str) -> str:
    """A command as a person would type it: ``{python} -m mockserver x`` -> ``mockserver x``."""
    return template.removeprefix("{python} ").removeprefix("-m ")


def run_detector(detector: Detector, target: Target, *, root: Path = ROOT) -> Outcome:
    """Run ``detector`` against ``target``; its full output goes to ``workdir/<name>.log``."""
    target.workdir.mkdir(parents=True, exist_ok=True)
    log = target.workdir / f"{detector.name}.log"
    started = time.monotonic()
    try:
        completed = subprocess.run(
            _render(detector.command, target),
            cwd=root,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=detector.timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        output = _text(error.stdout) + _text(error.stderr)
        log.write_text(output, encoding="utf-8")
        seconds = time.monotonic() - started
        return Outcome(
            detector.name, "error", None, seconds, f"timed out after {detector.timeout:.0f} s"
        )
    seconds = time.monotonic() - started
    output = completed.stdout + completed.stderr
    log.write_text(output, encoding="utf-8")
    code = completed.returncode
    verdict: Verdict = "passed" if code == 0 else "detected" if code == 1 else "error"
    return Outcome(detector.name, verdict, code, seconds, evidence(output) if code else "")


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def evidence(output: str, *, limit: int = 6) -> str:
    """The few output lines that say what failed.

    ``mockserver verify``: each ``FAIL`` line and its first mismatch. Schemathesis: each failing
    operation (its ``____ POST /orders ____`` banner), the failed check and its message. Else the
    last lines (an error's traceback tail).
    """
    lines = [line.strip() for line in output.splitlines()]
    picked: list[str] = []
    for index, line in enumerate(lines):
        if line.startswith("FAIL "):
            picked.append(line)
            picked += [n for n in lines[index + 1 : index + 2] if n.startswith("- ")]
        elif line.startswith("___") and line.endswith("___"):
            picked.append(line.strip("_ "))
            following = [n for n in lines[index + 1 : index + 12] if n]
            check = next((i for i, n in enumerate(following) if n.startswith("- ")), None)
            if check is not None:
                picked += following[check : check + 2]
    if not picked:
        picked = [line for line in lines if line][-limit:]
    return "\n".join(line[:300] for line in picked[:limit])
