"""``python -m bench``: measure our mock against Prism and a bare-Starlette ceiling.

Full run (``make bench DURATION=10``): every contender and scenario, start-up against spec size,
a bounded Schemathesis run; writes ``bench/results/latest.{json,png}`` and a timestamped copy.
Smoke run (``--smoke``, CI): 1-second runs of our mock and the ceiling, spec sizes 10 and 100,
into a temporary folder unless ``--out`` is given. Targets are printed, never asserted.
``--only realworld`` (or ``load``, ``startup``, ``tools``) runs just those parts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.chart import write_chart
from bench.report import render_table, write_json
from bench.runner import Options, run
from bench.scenarios import SCENARIOS

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = Path(__file__).resolve().parent / "results"
PARTS = ("load", "startup", "realworld", "tools", "proxy")


def _positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value

    return parse


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 10,100,1000, got {text!r}") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"expected positive sizes, got {text!r}")
    return sizes


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark the mock against Prism and a bare-Starlette ceiling with wrk.",
    )
    add = parser.add_argument
    add("--smoke", action="store_true", help="1-second runs of our mock and the ceiling only")
    add("--duration", type=_positive(float), help="seconds per scenario (default 10; smoke 1)")
    add("--warmup", type=float, help="warm-up seconds before each scenario (default 2; smoke 0)")
    add("--connections", type=_positive(int), default=32, help="wrk connections (default 32)")
    add("--threads", type=_positive(int), default=2, help="wrk threads (default 2)")
    add("--spec", type=Path, default=ROOT / "openapi" / "openapi.yaml", help="spec to serve")
    add("--out", type=Path, help="results folder (default bench/results; smoke: a temp folder)")
    add("--sizes", type=_sizes, help="start-up spec sizes (default 10,100,1000,5000)")
    add("--repeats", type=_positive(int), help="starts per spec size (default 3; smoke 1)")
    add("--scenario", action="append", choices=[s.id for s in SCENARIOS], help="only these")
    add("--no-prism", action="store_true", help="do not run (or fetch) Prism")
    add("--no-startup", action="store_true", help="skip start-up against spec size")
    add("--no-realworld", action="store_true", help="skip start-up on GitHub's REST description")
    add("--no-proxy", action="store_true", help="skip mockserver proxy vs prism proxy")
    add(
        "--only",
        action="append",
        choices=PARTS,
        help="run only these parts (repeatable): load (wrk scenarios), startup (synthetic "
        "specs), realworld (GitHub's REST description), tools (schemathesis, verify), proxy "
        "(mockserver proxy and prism proxy over the same upstream)",
    )
    add(
        "--heavy-specs",
        action="store_true",
        help="synthetic operations dressed as published ones: 11,000 operations ~20 MB",
    )
    add("--no-schemathesis", action="store_true", help="skip the timed schemathesis run and verify")
    add("--profile", action="store_true", help="also sample our mock with py-spy")
    return parser


def _options(args: argparse.Namespace) -> Options:
    smoke: bool = args.smoke
    out = args.out
    if out is None:
        out = Path(tempfile.mkdtemp(prefix="bench-smoke-")) if smoke else DEFAULT_OUT
    sizes = args.sizes or ((10, 100) if smoke else (10, 100, 1000, 5000))
    only: tuple[str, ...] = tuple(dict.fromkeys(args.only or ()))
    parts = set(only or PARTS)
    # Smoke runs stay fast: no real-world document unless --only asks for it by name.
    realworld = "realworld" in parts and not args.no_realworld and (not smoke or bool(only))
    return Options(
        spec=args.spec.resolve(),
        root=ROOT,
        out_dir=out.resolve(),
        duration=args.duration or (1.0 if smoke else 10.0),
        warmup=args.warmup if args.warmup is not None else (0.0 if smoke else 2.0),
        connections=args.connections,
        threads=args.threads,
        mode="smoke" if smoke else "full",
        prism=not (smoke or args.no_prism),
        startup_sizes=sizes if "startup" in parts and not args.no_startup else (),
        startup_repeats=args.repeats or (1 if smoke else 3),
        heavy_specs=args.heavy_specs,
        realworld=realworld,
        proxy="proxy" in parts and not args.no_proxy,
        schemathesis="tools" in parts and not (smoke or args.no_schemathesis),
        profile=args.profile and "load" in parts,
        scenarios=tuple(args.scenario or [s.id for s in SCENARIOS]) if "load" in parts else (),
        only=only,
    )


def _say(line: str) -> None:
    print(line, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit 0 whatever the targets say, 2 on bad input."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.warmup is not None and args.warmup < 0:
        parser.error(f"expected --warmup >= 0, got {args.warmup}")
    if not args.spec.is_file():
        parser.error(f"spec not found: {args.spec} (pass --spec PATH)")
    options = _options(args)
    options.out_dir.mkdir(parents=True, exist_ok=True)
    results = run(options, log=_say)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    latest, history = write_json(results, options.out_dir, stamp=stamp)
    chart = options.out_dir / "latest.png"
    problem = write_chart(results, chart)
    _say("")
    _say(render_table(results))
    _say("")
    _say(f"JSON: {latest} (copy: {history})")
    _say(f"chart: {problem}" if problem else f"chart: {chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
