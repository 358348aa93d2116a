"""``python -m soak``: soak each target in turn, print a table, exit 1 on a broken invariant."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from soak import TARGETS, SoakResult, Unavailable, soak, start


def _positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value

    return parse


def _row(result: SoakResult) -> str:
    mb = 1024 * 1024
    verdict = "ok" if not result.problems else f"{len(result.problems)} BROKEN"
    return (
        f"| {result.target} | {result.clients} | {result.seconds:.0f} s | "
        f"{result.stats.requests:,} | {result.stats.errors} | {result.throughput:,.0f}/s | "
        f"{result.rss_start / mb:.0f} MB | {result.rss_end / mb:.0f} MB | {verdict} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m soak", description=__doc__)
    parser.add_argument("--seconds", type=_positive(float), default=60.0, help="per target")
    parser.add_argument("--clients", type=_positive(int), default=16, help="concurrent users")
    parser.add_argument(
        "--target", action="append", choices=TARGETS, help="repeatable; default: every target"
    )
    args = parser.parse_args(argv)
    results: list[SoakResult] = []
    for name in args.target or TARGETS:
        try:
            with start(name) as server:
                print(f"{name}: {args.clients} clients for {args.seconds:g} s ...", flush=True)
                results.append(soak(server, clients=args.clients, seconds=args.seconds))
        except Unavailable as exc:
            print(f"{name}: skipped: {exc}", flush=True)
    print()
    columns = ["target", "clients", "time", "requests", "errors", "throughput", "RSS start",
               "RSS end", "invariants"]  # fmt: skip
    print("| " + " | ".join(columns) + " |")
    print("|" + " --- |" * len(columns))
    for result in results:
        print(_row(result))
    broken = [(r.target, p) for r in results for p in r.problems]
    for target, problem in broken[:50]:
        print(f"{target}: {problem}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
