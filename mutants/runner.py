"""Run the detectors against the clean provider, then against each fault, ``jobs`` at a time.

Per fault: a scratch copy of ``provider/`` with the patch applied, a provider on its own port
and fresh SQLite database, every detector in turn, then the provider stopped and the scratch
removed. The clean provider goes first (with ``jobs`` > 1, in the first round): a detector that
fails it is a false positive (a bug of the detector or of the provider), and the run exits
non-zero.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mutants.catalogue import Fault
from mutants.detectors import Detector, Outcome, Target, run_detector
from mutants.errors import ProviderStartError
from mutants.provider import ROOT, prepare_scratch, start_provider

__all__ = ["Options", "RunResult", "TrialResult", "run"]

CLEAN = "(clean provider)"


@dataclass(frozen=True, slots=True)
class Options:
    """What one mutation run does."""

    faults: tuple[Fault, ...]
    detectors: tuple[Detector, ...]
    unavailable: dict[str, str] = field(default_factory=dict)
    jobs: int = 1
    seed: int = 1
    max_examples: int = 10
    keep: Path | None = None


@dataclass(frozen=True, slots=True)
class TrialResult:
    """The detectors' outcomes against one provider (a fault, or the clean one)."""

    fault_id: str
    outcomes: tuple[Outcome, ...]
    seconds: float
    error: str | None = None
    start_seconds: float = 0.0
    stop_seconds: float = 0.0

    @property
    def detected_by(self) -> tuple[str, ...]:
        return tuple(o.detector for o in self.outcomes if o.verdict == "detected")


@dataclass(frozen=True, slots=True)
class RunResult:
    """A whole run: the clean baseline and every fault."""

    baseline: TrialResult
    trials: tuple[TrialResult, ...]
    detectors: tuple[str, ...]
    unavailable: dict[str, str]
    seconds: float
    seed: int
    max_examples: int
    jobs: int

    @property
    def false_positives(self) -> tuple[str, ...]:
        """Detectors that failed the clean provider."""
        return self.baseline.detected_by

    @property
    def broken(self) -> tuple[TrialResult, ...]:
        """Trials that could not run (the provider did not start, or a detector errored)."""
        trials = (self.baseline, *self.trials)
        return tuple(t for t in trials if t.error or any(o.verdict == "error" for o in t.outcomes))


def trial(
    fault: Fault | None,
    options: Options,
    *,
    root: Path = ROOT,
    announce: Callable[[str], None] | None = None,
) -> TrialResult:
    """Apply ``fault`` (None: none) to a scratch copy, serve it, run every detector, stop."""
    name = fault.id if fault else CLEAN
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix=f"mutant-{fault.id if fault else 'clean'}-"))
    outcomes: list[Outcome] = []
    error: str | None = None
    start_seconds = stop_seconds = 0.0
    try:
        prepare_scratch(fault, scratch, root=root)
        provider = start_provider(scratch, root=root)
        start_seconds = time.monotonic() - started
        try:
            target = Target(
                provider.url,
                provider.state_url,
                options.seed,
                options.max_examples,
                scratch / "logs",
            )
            for detector in options.detectors:
                outcomes.append(run_detector(detector, target, root=root))
            if provider.process.poll() is not None:
                error = f"the provider died during the run:\n{provider.log_tail()}"
        finally:
            stopping = time.monotonic()
            provider.stop()
            stop_seconds = time.monotonic() - stopping
    except ProviderStartError as failure:
        error = str(failure)
    finally:
        if options.keep is not None:
            shutil.copytree(
                scratch, options.keep / name.strip("()").replace(" ", "-"), dirs_exist_ok=True
            )
        shutil.rmtree(scratch, ignore_errors=True)
    seconds = time.monotonic() - started
    result = TrialResult(name, tuple(outcomes), seconds, error, start_seconds, stop_seconds)
    if announce is not None:
        announce(_progress_line(result))
    return result


def run(
    options: Options,
    *,
    root: Path = ROOT,
    announce: Callable[[str], None] | None = None,
) -> RunResult:
    """The clean provider, then every fault; ``announce`` gets one line per finished trial."""
    started = time.monotonic()
    say = announce or (lambda line: print(line, file=sys.stderr, flush=True))
    lock = threading.Lock()

    def locked(line: str) -> None:
        with lock:
            say(line)

    # The clean provider is submitted first, so with one job it runs before every fault; with
    # more, it shares the first round with faults (its verdict is judged the same either way).
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        pending = [
            pool.submit(trial, fault, options, root=root, announce=locked)
            for fault in (None, *options.faults)
        ]
        baseline, *trials = [future.result() for future in pending]
    return RunResult(
        baseline=baseline,
        trials=tuple(trials),
        detectors=tuple(d.name for d in options.detectors),
        unavailable=dict(options.unavailable),
        seconds=time.monotonic() - started,
        seed=options.seed,
        max_examples=options.max_examples,
        jobs=options.jobs,
    )


def _progress_line(result: TrialResult) -> str:
    if result.error:
        return f"{result.fault_id}: ERROR {result.error.splitlines()[0]}"
    verdicts = ", ".join(f"{o.detector} {o.verdict} ({o.seconds:.0f} s)" for o in result.outcomes)
    return (
        f"{result.fault_id}: {verdicts}; {result.seconds:.0f} s "
        f"(start {result.start_seconds:.0f} s, stop {result.stop_seconds:.0f} s)"
    )


def summary_rates(result: RunResult) -> dict[str, float]:
    """Detection rate per detector and ``combined`` (share of faults any detector caught)."""
    count = len(result.trials) or 1
    rates = {
        name: sum(name in t.detected_by for t in result.trials) / count for name in result.detectors
    }
    rates["combined"] = sum(bool(t.detected_by) for t in result.trials) / count
    return rates


def undetected(result: RunResult) -> Sequence[TrialResult]:
    """Faults no detector caught (and that ran without errors)."""
    return [t for t in result.trials if not t.detected_by and not t.error]
