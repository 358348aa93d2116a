"""``mockserver diff OLD NEW``: the breaking changes from one OpenAPI document to another.

Kept apart from ``main.py`` like the other commands; ``main.py`` registers it and hands the
parsed arguments back here. Exit 0: nothing breaking (nothing possibly breaking either with
``--fail-on possibly``) but what the ignore file accepts; 1: breaking changes; 2: a usage error
(a side, a pact, the Pact Broker or the ignore file that cannot be read).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockserver.errors import DiffError

if TYPE_CHECKING:  # the diff package is imported when the command runs, not when it is listed
    from mockserver.diff.ignore import Ignore
    from mockserver.diff.impact import Interaction
    from mockserver.spec.loader import Spec

__all__ = ["DEFAULT_PACTS", "add_diff_command", "run_diff_command"]

DEFAULT_PACTS = "contracts/pacts"
MAX_WARNINGS = 10  # unresolved $refs named one by one per document; the rest counted


def add_diff_command(commands: Any) -> None:
    """Add ``diff`` to the ``mockserver`` subcommands."""
    from mockserver.diff.ignore import DEFAULT_IGNORE_FILE
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
    pacts = diff.add_mutually_exclusive_group()
    pacts.add_argument(
        "--pacts",
        metavar="DIR",
        help=f"list the pact interactions each change touches (default: {DEFAULT_PACTS}/ "
        "when it exists)",
    )
    pacts.add_argument(
        "--no-pacts", action="store_true", help="do not read pacts, even the default ones"
    )
    pacts.add_argument(
        "--broker-url",
        metavar="URL",
        help="read the latest pact of each consumer of --provider from this Pact Broker "
        "(default with --provider: $PACT_BROKER_BASE_URL)",
    )
    broker = diff.add_argument_group("Pact Broker (instead of --pacts)")
    broker.add_argument("--provider", metavar="NAME", help="the provider's name in the Pact Broker")
    broker.add_argument(
        "--broker-token", metavar="TOKEN", help="bearer token (default: $PACT_BROKER_TOKEN)"
    )
    broker.add_argument(
        "--broker-username", metavar="NAME", help="basic auth (default: $PACT_BROKER_USERNAME)"
    )
    broker.add_argument(
        "--broker-password", metavar="PASSWORD", help="(default: $PACT_BROKER_PASSWORD)"
    )
    broker.add_argument(
        "--consumer-version-tag",
        metavar="TAG",
        help="the latest pacts of consumer versions with this tag (e.g. prod)",
    )
    diff.add_argument(
        "--ignore",
        metavar="FILE",
        help=f"accepted changes, a YAML list of {{rule, location, reason, expires}} "
        f"(default: {DEFAULT_IGNORE_FILE} when it exists)",
    )


def run_diff_command(args: argparse.Namespace) -> int:
    """Run ``diff``; answer the exit code."""
    from mockserver.diff.ignore import triage
    from mockserver.diff.impact import consumer_impact
    from mockserver.diff.load import load_side
    from mockserver.diff.operations import diff_specs
    from mockserver.diff.report import Report, exit_code, render

    try:
        old, new = load_side(args.old), load_side(args.new)
        interactions = _interactions(args)
        ignores = _ignores(args)
    except DiffError as exc:
        print(f"mockserver diff: {exc}", file=sys.stderr)
        return 2
    for source, spec in ((args.old, old), (args.new, new)):
        _warn_unresolved(source, spec)
    findings = diff_specs(old, new)
    sorted_out = triage(findings, ignores)
    consumers = None
    if interactions is not None:
        consumers = consumer_impact(findings, old, interactions)
    report = Report(
        findings,
        old=args.old,
        new=args.new,
        consumers=consumers,
        ignored=sorted_out.ignored,
        expired=sorted_out.expired,
        fail_on=args.fail_on,
        new_file=args.new if Path(args.new).is_file() else None,
    )
    print(render(report, format=args.format), flush=True)
    return exit_code(report)


def _warn_unresolved(source: str, spec: Spec) -> None:
    """Say on stderr which ``$ref``s could not be followed: what they point to is not compared."""
    unresolved = [issue for issue in spec.issues if "$ref" in issue.message]
    for issue in unresolved[:MAX_WARNINGS]:
        print(
            f"mockserver diff: warning: {source}: {issue.pointer or '/'}: {issue.message}; "
            "what it points to is not compared",
            file=sys.stderr,
        )
    if len(unresolved) > MAX_WARNINGS:
        more = len(unresolved) - MAX_WARNINGS
        print(f"mockserver diff: warning: {source}: {more} more unresolved $refs", file=sys.stderr)


def _interactions(args: argparse.Namespace) -> list[Interaction] | None:
    """The pacts' interactions: ``--pacts``, else the default directory when it exists."""
    from mockserver.diff.impact import read_pacts
    from mockserver.pact.files import pact_files

    if args.no_pacts:
        return None
    if args.broker_url is not None or args.provider is not None:
        return _broker_interactions(args)
    if args.pacts is None:
        default = Path(DEFAULT_PACTS)
        return read_pacts(default) if default.is_dir() else None
    where = Path(args.pacts)
    if not where.exists():
        raise DiffError(f"--pacts {args.pacts}: no such file or directory")
    if where.is_dir() and not pact_files(where):
        raise DiffError(f"--pacts {args.pacts}: no *.json pact files there")
    return read_pacts(where)


def _broker_interactions(args: argparse.Namespace) -> list[Interaction]:
    """The latest pacts of ``--provider`` from the Pact Broker, options before environment."""
    from mockserver.diff.broker import Broker, fetch_broker_pacts

    if args.pacts is not None:
        raise DiffError("--provider reads pacts from a Pact Broker: give --pacts or --provider")
    url = args.broker_url or os.environ.get("PACT_BROKER_BASE_URL")
    if not url:
        raise DiffError("--provider: give the Pact Broker's --broker-url (or PACT_BROKER_BASE_URL)")
    if not args.provider:
        raise DiffError("--broker-url: name the provider whose pacts to read with --provider")
    broker = Broker(
        url=url,
        provider=args.provider,
        token=args.broker_token or os.environ.get("PACT_BROKER_TOKEN") or None,
        username=args.broker_username or os.environ.get("PACT_BROKER_USERNAME") or None,
        password=args.broker_password or os.environ.get("PACT_BROKER_PASSWORD") or None,
        tag=args.consumer_version_tag,
    )
    return fetch_broker_pacts(broker)


def _ignores(args: argparse.Namespace) -> list[Ignore]:
    """The ignore file's entries: ``--ignore``, else the default file when it exists."""
    from mockserver.diff.ignore import DEFAULT_IGNORE_FILE, read_ignores

    if args.ignore is None:
        default = Path(DEFAULT_IGNORE_FILE)
        return read_ignores(default) if default.is_file() else []
    if not Path(args.ignore).is_file():
        raise DiffError(f"--ignore {args.ignore}: no such file")
    return read_ignores(Path(args.ignore))
