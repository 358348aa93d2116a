"""``python -m tests.coverage_floor``: every module of a package above a line-coverage floor.

Reads the data `make check` collected from the fast tier and prints each module of the package
under the floor with its figure; exits 1 when there is one (0 with ``--report-only``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import coverage

ROOT = Path(__file__).resolve().parent.parent


def below_floor(package: str, floor: float) -> list[tuple[str, float]]:
    """``(module path, percent covered)`` of each module of ``package`` under ``floor``."""
    data = coverage.Coverage(data_file=str(ROOT / ".coverage"))
    data.load()
    low = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if path.name == "__main__.py":
            continue
        _, statements, _, missing, _ = data.analysis2(str(path))
        if statements:
            percent = 100.0 * (len(statements) - len(missing)) / len(statements)
            if percent < floor:
                low.append((str(path.relative_to(ROOT)), percent))
    return low


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="mockserver")
    parser.add_argument("--floor", type=float, default=85.0)
    parser.add_argument("--report-only", action="store_true", help="never exit 1")
    args = parser.parse_args(argv)
    low = below_floor(args.package, args.floor)
    for path, percent in low:
        print(f"{path}: {percent:.1f}% of lines covered by the fast tier (floor {args.floor:g}%)")
    if not low:
        print(f"every module of {args.package}/ is at or above {args.floor:g}% line coverage")
    return 1 if low and not args.report_only else 0


if __name__ == "__main__":
    sys.exit(main())
