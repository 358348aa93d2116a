"""``python -m mutants``: how many realistic provider bugs do our detectors catch?

Applies each fault of the catalogue (``mutants/faults/*.yaml``) to a scratch copy of
``provider/``, serves it on loopback with a fresh SQLite database, runs every detector against
it (``mockserver verify``, ``schemathesis run``, ``mockserver conform`` when this checkout has
it), and prints a fault x detector table with the detection rate per detector and combined.
The clean provider runs first; a detector that fails it is a false positive (exit 1).
Writes ``latest.json`` and ``latest.md`` to ``--out`` (default ``mutants/results``).

Exit status: 0 the run completed; 1 a false positive; 2 a usage error or a broken catalogue;
3 a provider that did not start or a detector that errored (see the table).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from mutants.catalogue import CATEGORIES, Fault, check_fault, load_catalogue, select
from mutants.detectors import DETECTORS, available
from mutants.errors import MutantsError
from mutants.provider import ROOT
from mutants.report import from_json, render_markdown, render_table, write_results
from mutants.runner import Options, run

__all__ = ["main", "parser"]

DEFAULT_OUT = Path(__file__).resolve().parent / "results"


def _names(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected names separated by commas, got {text!r}")
    return names


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    """The command line."""
    cli = argparse.ArgumentParser(
        prog="python -m mutants",
        description="Measure the detectors' power on a catalogue of provider faults.",
    )
    add = cli.add_argument
    add("--jobs", type=_positive, default=1, help="faults run in parallel (default 1)")
    add("--only", type=_names, help="only these fault ids (comma-separated)")
    add("--category", type=_names, help=f"only faults of these categories: {', '.join(CATEGORIES)}")
    add(
        "--detectors",
        type=_names,
        help="only these detectors (default: all available of "
        f"{', '.join(d.name for d in DETECTORS)})",
    )
    add("--seed", type=int, default=1, help="seed of every detector that takes one (default 1)")
    add(
        "--max-examples",
        type=_positive,
        default=10,
        help="Schemathesis examples per operation and phase (default 10)",
    )
    add("--out", type=Path, default=DEFAULT_OUT, help="results folder (default mutants/results)")
    add(
        "--keep",
        type=Path,
        help="keep each scratch copy, with the detectors' logs, under this folder",
    )
    add("--list", action="store_true", help="print the catalogue and exit")
    add("--check", action="store_true", help="check that every fault applies cleanly and exit")
    add(
        "--report",
        type=Path,
        metavar="LATEST_JSON",
        help="run nothing: print the table of this latest.json and rewrite latest.md next to it",
    )
    return cli


def main(argv: Sequence[str] | None = None) -> int:
    """Run; answer the exit status."""
    args = parser().parse_args(argv)
    try:
        catalogue = load_catalogue()
        faults = select(catalogue, args.only) if args.only else catalogue
    except MutantsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.category:
        unknown = sorted(set(args.category) - set(CATEGORIES))
        if unknown:
            print(
                f"error: expected categories among {', '.join(CATEGORIES)}, "
                f"got {', '.join(unknown)}",
                file=sys.stderr,
            )
            return 2
        faults = tuple(f for f in faults if f.category in args.category)
    if args.report:
        return _report(args.report, {fault.id: fault for fault in catalogue})
    if args.list:
        for fault in faults:
            print(f"{fault.id:40} {fault.category:16} {fault.description}")
        print(f"{len(faults)} faults")
        return 0
    problems = [problem for fault in faults for problem in check_fault(fault, ROOT)]
    if problems or args.check:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"{len(faults)} faults, {len(problems)} problems")
        return 2 if problems else 0
    names = [d.name for d in DETECTORS]
    wanted = args.detectors or names
    unknown = [name for name in wanted if name not in names]
    if unknown:
        print(
            f"error: expected detectors among {', '.join(names)}, got {', '.join(unknown)}",
            file=sys.stderr,
        )
        return 2
    chosen = [d for d in DETECTORS if d.name in wanted]
    reasons = available(chosen)
    unavailable = {name: reason for name, reason in reasons.items() if reason is not None}
    usable = tuple(d for d in chosen if reasons[d.name] is None)
    for name, reason in unavailable.items():
        print(f"{name}: {reason}; skipped", file=sys.stderr)
    if not usable:
        print("error: no detector is available", file=sys.stderr)
        return 2
    options = Options(
        faults=faults,
        detectors=usable,
        unavailable=unavailable,
        jobs=args.jobs,
        seed=args.seed,
        max_examples=args.max_examples,
        keep=args.keep,
    )
    print(
        f"{len(faults)} faults x {', '.join(d.name for d in usable)}, --jobs {args.jobs}",
        file=sys.stderr,
        flush=True,
    )
    result = run(options)
    command = "python -m mutants " + shlex.join(list(argv if argv is not None else sys.argv[1:]))
    write_results(result, {f.id: f for f in catalogue}, args.out, command=command.strip())
    print(render_table(result))
    print(f"results: {args.out / 'latest.json'}, {args.out / 'latest.md'}")
    if result.false_positives:
        return 1
    return 3 if result.broken else 0


def _report(path: Path, faults: dict[str, Fault]) -> int:
    try:
        result = from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(
            f"error: expected a latest.json written by python -m mutants at {path}: {error}",
            file=sys.stderr,
        )
        return 2
    (path.parent / "latest.md").write_text(render_markdown(result, faults), encoding="utf-8")
    print(render_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
