"""``python -m corpus``: serve public OpenAPI documents and probe every GET; print the figures.

``--sample N`` probes N documents chosen by ``--seed`` (GitHub's description always among
them); without it, every document of every package (``make corpus``, about an hour). Exit 1
when a document does not start or an answer fails, listing each. Documents over `GIANT` bytes
(Microsoft Graph's) are probed last, each in a process of its own, one at a time: one of them
needs a gigabyte, and a worker that served one keeps its heap.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Final, TextIO

from corpus.probe import SpecReport, probe
from corpus.sources import PACKAGES, CorpusUnavailable, documents

__all__ = ["GIANT", "main", "reports", "select"]

# Documents bigger than this are probed in a process each, after the others.
GIANT: Final = 15_000_000


def select(sample: int | None, seed: int) -> list[Path]:
    """The documents to probe: all, or GitHub's description plus a seeded sample of the rest."""
    paths = [path for package in PACKAGES for path in documents(package)]
    if sample is None or sample >= len(paths):
        return paths
    first, rest = paths[:1], paths[1:]  # PACKAGES lists GitHub's description first
    return first + random.Random(seed).sample(rest, max(0, sample - 1))


def _both(path: Path) -> list[SpecReport]:
    return [probe(path, stateful=True), probe(path, stateful=False)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corpus", description=__doc__.splitlines()[0])
    parser.add_argument("documents", nargs="*", type=Path, help="probe these files instead")
    parser.add_argument("--sample", type=int, help="probe this many documents (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="which sample (default 0)")
    parser.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--json", type=Path, help="write every report here")
    parser.add_argument(
        "--log", type=Path, help="append each report here as one JSON line, as it comes"
    )
    parser.add_argument(
        "--skip-giants", action="store_true", help=f"leave out documents over {GIANT:,} bytes"
    )
    args = parser.parse_args(argv)
    try:
        paths = list(args.documents) or select(args.sample, args.seed)
    except CorpusUnavailable as exc:
        print(f"corpus: {exc}", file=sys.stderr)
        return 2
    if args.skip_giants:
        paths = [path for path in paths if path.stat().st_size <= GIANT]
    began = time.perf_counter()
    done: list[SpecReport] = []
    log = args.log.open("a", encoding="utf-8") if args.log is not None else None
    try:
        for report in reports(paths, args.jobs):
            done.append(report)
            _tell(report, log, timing=bool(args.documents))
    finally:
        if log is not None:
            log.close()
    if args.json is not None:
        args.json.write_text(json.dumps([dataclasses.asdict(r) for r in done], indent=1))
    print(summary(done))
    print(f"{len(paths)} documents in {time.perf_counter() - began:.0f} s")
    return 0 if all(report.passed for report in done) else 1


def reports(paths: list[Path], jobs: int) -> Iterator[SpecReport]:
    """Both reports of every document: the giants last, each in a process of its own."""
    giants = [path for path in paths if path.stat().st_size > GIANT]
    rest = [path for path in paths if path not in giants]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for pair in pool.map(_both, rest, chunksize=4):
            yield from pair
    for path in giants:
        with ProcessPoolExecutor(max_workers=1) as alone:
            yield from alone.submit(_both, path).result()


def _tell(report: SpecReport, log: TextIO | None, *, timing: bool = False) -> None:
    if log is not None:
        log.write(json.dumps(dataclasses.asdict(report)) + "\n")
        log.flush()
    if timing:
        print(
            f"{report.mode} {report.path}: {report.seconds:.1f} s, slowest GET {report.slowest}",
            flush=True,
        )
    if not report.passed:
        print(f"FAIL {report.mode} {report.path}: {report.refused}", flush=True)
        for failure in report.failures[:5]:
            print(f"    {failure}", flush=True)
    if report.ambiguous:
        print(f"AMBIGUOUS {report.mode} {report.path}:", flush=True)
        for answer in report.ambiguous[:5]:
            print(f"    {answer}", flush=True)


def summary(reports: list[SpecReport]) -> str:
    """One paragraph of figures per mode."""
    lines = []
    for mode in ("stateful", "stateless"):
        mine = [r for r in reports if r.mode == mode]
        if not mine:
            continue
        started = [r for r in mine if r.started]
        probed = sum(r.probed for r in started)
        ok = sum(r.ok for r in started)
        fivexx = sum(r.server_errors for r in started)
        lines.append(
            f"{mode}: {len(started)}/{len(mine)} documents started, "
            f"{sum(r.degraded for r in started)} operations degraded, "
            f"{ok}/{probed} GET answers passed, "
            f"{sum(len(r.ambiguous) for r in started)} valid only with `format` asserted "
            f"(the spec's ambiguity), {fivexx} answered 5xx, "
            f"{sum(1 for r in mine if r.passed)}/{len(mine)} documents passed"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
