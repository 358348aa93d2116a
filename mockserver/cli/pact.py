"""The contract commands of the CLI: ``mockserver verify`` and ``mockserver contracts check``.

Kept apart from ``cli.py`` so the serve options and these grow independently; ``cli.py``
registers them and hands the parsed arguments back here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mockserver.cli.main import CHECKOUT
from mockserver.errors import MockServerError

__all__ = ["DEFAULT_PACTS", "add_contract_commands", "run_contract_command"]

DEFAULT_PACTS = Path("contracts") / "pacts"
DEFAULT_STATES_FILE = Path("contracts") / "states.yaml"


def _default(path: Path) -> Path:
    """``path`` in the working tree if it exists there, else in the checkout."""
    if path.exists():
        return path
    return CHECKOUT / path


def add_contract_commands(commands: Any) -> None:
    """Add ``verify`` and ``contracts`` to the ``mockserver`` subcommands."""
    verify = commands.add_parser(
        "verify",
        help="verify Pact contracts against a running provider",
        description=(
            "Replay every interaction of the pacts against a running provider, setting up "
            "each provider state through its state change endpoint. Exit 1 on any failure."
        ),
    )
    verify.add_argument(
        "--provider-url", required=True, help="the provider's root URL, e.g. http://127.0.0.1:8000"
    )
    verify.add_argument(
        "--pacts", type=Path, help="directory of pact files or one file (default: contracts/pacts)"
    )
    verify.add_argument(
        "--state-url",
        help="provider-state change endpoint (default: /__mock/provider-states on this mock, "
        "else /_pact/provider-states)",
    )
    verify.add_argument("--provider", help="provider name (default: the one the pacts name)")
    verify.add_argument("--junit", type=Path, help="write a JUnit XML report here")
    verify.add_argument("--broker-url", help="also verify the pacts of this Pact Broker")
    verify.add_argument("--provider-version", help="the provider build verified (for --publish)")
    verify.add_argument("--branch", help="the provider's branch (for --publish)")
    verify.add_argument(
        "--publish", action="store_true", help="publish the results to --broker-url"
    )
    verify.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="NAME:VALUE",
        help="set this header on every replayed request (repeatable), e.g. X-Tenant:acme",
    )
    verify.add_argument(
        "--token-from-state",
        metavar="NAME",
        help="replace each literal Authorization of the pacts (no provider-state generator, "
        "not a 401 interaction) by 'Bearer <NAME>', NAME a value the interaction's provider "
        "state answers (e.g. accessToken): a fresh token per interaction",
    )

    contracts = commands.add_parser("contracts", help="check pact files without a server")
    actions = contracts.add_subparsers(dest="contracts_command", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="check every interaction of the pacts against an OpenAPI document",
        description=(
            "Check statically that each interaction's request is valid for its operation, "
            "its response is declared and fits the response schema, its matching rules agree "
            "with the schema and its provider states are defined. Reads pact specification "
            "V2, V3 and V4. Exit 1 on any failure."
        ),
    )
    check.add_argument(
        "--pacts", type=Path, help="directory of pact files or one file (default: contracts/pacts)"
    )
    check.add_argument("--spec", type=Path, help="OpenAPI file (default: the bundled spec)")
    check.add_argument(
        "--states",
        type=Path,
        help="provider-state definitions the pacts' states are checked against "
        "(default: contracts/states.yaml)",
    )


def run_contract_command(args: argparse.Namespace) -> int:
    """Run ``verify`` or ``contracts check``; answer the exit code."""
    if args.command == "verify":
        return _verify(args)
    return _check(args)


def _verify(args: argparse.Namespace) -> int:
    from mockserver.pact.verify import format_report, junit_xml, verify_pacts

    if args.publish and not args.provider_version:
        return _usage("verify", "--publish needs --provider-version (the provider build verified)")
    if args.publish and not args.broker_url:
        return _usage("verify", "--publish needs --broker-url (where results are published)")
    if (args.provider_version or args.branch) and not args.publish:
        return _usage("verify", "--provider-version and --branch only apply with --publish")
    headers: list[tuple[str, str]] = []
    for given in args.header:
        name, colon, value = given.partition(":")
        if not colon or not name.strip() or any(c in name for c in " \t\r\n"):
            return _usage("verify", f"expected --header NAME:VALUE, got {given!r}")
        headers.append((name.strip(), value.strip()))
    pacts = args.pacts
    if pacts is None and args.broker_url is None:
        pacts = _default(DEFAULT_PACTS)
    try:
        report = verify_pacts(
            args.provider_url,
            pacts=pacts,
            provider=args.provider,
            state_url=args.state_url,
            broker_url=args.broker_url,
            provider_version=args.provider_version,
            branch=args.branch,
            publish=args.publish,
            headers=headers,
            token_from_state=args.token_from_state,
        )
    except MockServerError as exc:
        return _usage("verify", str(exc))
    print(format_report(report), flush=True)
    if args.junit is not None:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.write_text(junit_xml(report))
    return 0 if report.passed else 1


def _check(args: argparse.Namespace) -> int:
    from mockserver.pact.check import check_pacts, format_checks

    pacts = args.pacts or _default(DEFAULT_PACTS)
    spec = args.spec or _default(Path("openapi") / "openapi.yaml")
    states = args.states or _default(DEFAULT_STATES_FILE)
    try:
        checks = check_pacts(pacts, spec, states=states)
    except MockServerError as exc:
        return _usage("contracts check", str(exc))
    print(format_checks(checks), flush=True)
    return 0 if checks and all(c.passed for c in checks) else 1


def _usage(command: str, message: str) -> int:
    print(f"mockserver {command}: {message}", file=sys.stderr)
    return 2
