"""``mockserver diff OLD NEW``: the breaking changes from one OpenAPI document to another.

Kept apart from ``main.py`` like the other commands; ``main.py`` registers it and hands the
parsed arguments back here. Exit 0: nothing breaking (nothing possibly breaking either with
``--fail-on possibly``); 1: breaking changes; 2: a usage error (a side that cannot be read).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mockserver.errors import DiffError

__all__ = ["add_diff_command", "run_diff_command"]


def add_diff_command(commands: Any) -> None:
    """Add ``diff`` to the ``mockserver`` subcommands."""
    from mockserver.diff.report import FORMATS

    diff = commands.add_parser(
        "diff",
        help="list the breaking changes from one OpenAPI document to another",
        description=(
            "Compare two OpenAPI 3.0/3.1 documents and classify every change as breaking, "
            "possibly-breaking or safe for existing clients, with a rule id and the JSON "
            "pointers of both sides. Exit 1 on a breaking change."
        ),
    )
    for side in ("old", "new"):
        diff.add_argument(
            side,
            help=f"the {side} document: a file, or REVISION:PATH read with git "
            "(e.g. main:openapi/openapi.yaml)",
        )
    diff.add_argument(
        "--format", choices=FORMATS, default="text", help="output (default: %(default)s)"
    )
    diff.add_argument(
        "--fail-on",
        choices=("breaking", "possibly"),
        default="breaking",
        help="exit 1 on breaking changes, or also on possibly-breaking ones (default: %(default)s)",
    )


def run_diff_command(args: argparse.Namespace) -> int:
    """Run ``diff``; answer the exit code."""
    from mockserver.diff.load import load_side
    from mockserver.diff.operations import diff_specs
    from mockserver.diff.report import exit_code, render

    try:
        old, new = load_side(args.old), load_side(args.new)
    except DiffError as exc:
        print(f"mockserver diff: {exc}", file=sys.stderr)
        return 2
    findings = diff_specs(old, new)
    print(render(findings, old=args.old, new=args.new, format=args.format), flush=True)
    return exit_code(findings, fail_on=args.fail_on)
