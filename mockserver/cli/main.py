"""The ``mockserver`` command line: a thin layer over the library."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from httpguard import add_limit_options, positive_number
from mockserver.errors import ConfigError
from mockserver.server.guard import DEFAULT_LIMITS

if TYPE_CHECKING:
    from mockserver.server.latency import Delay

__all__ = ["main"]

DEFAULT_SPEC = Path("openapi") / "openapi.yaml"
# The checkout this package lives in: mockserver/cli/main.py is three levels below it.
CHECKOUT = Path(__file__).resolve().parents[2]


def _default_spec() -> Path:
    """The bundled spec: ``openapi/openapi.yaml`` of the working tree, else of the checkout."""
    if DEFAULT_SPEC.is_file():
        return DEFAULT_SPEC
    return CHECKOUT / DEFAULT_SPEC


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {text!r}")
    return int(text)


def _latency(text: str) -> tuple[str | None, Delay]:
    from mockserver.server.latency import parse_operation_delay

    try:
        return parse_operation_delay(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1, got {text!r}")
    return rate


def _add_event_options(serve: argparse.ArgumentParser) -> None:
    group = serve.add_argument_group("events", "the session channel and webhooks (see README)")
    group.add_argument(
        "--asyncapi", type=Path, help="AsyncAPI file of the WebSocket channels "
        "(default: asyncapi.yaml next to the spec, if any)",
    )  # fmt: skip
    group.add_argument(
        "--webhook-attempts", type=positive_number(int), default=5, metavar="N",
        help="tries per webhook delivery (default: %(default)s)",
    )  # fmt: skip
    group.add_argument(
        "--webhook-backoff", type=positive_number(float), default=1.0, metavar="SECONDS",
        help="wait after the first failed try, doubled after each (default: %(default)s)",
    )  # fmt: skip
    group.add_argument(
        "--webhook-grace", type=positive_number(float), default=5.0, metavar="SECONDS",
        help="on shutdown, time deliveries under way get before they are journaled as "
        "failed (default: %(default)s)",
    )  # fmt: skip
    group.add_argument(
        "--webhook-hosts", default="private", metavar="PATTERNS",
        help="comma-separated hosts webhooks may be sent to: 'private' (localhost, "
        "single-label and .local/.internal/.lan names, loopback and private addresses), "
        "'*' (any), IP networks, names with * wildcards (default: %(default)s)",
    )  # fmt: skip


def _add_state_options(serve: argparse.ArgumentParser) -> None:
    group = serve.add_argument_group(
        "shared state", "keep the state in Redis, so several workers or instances act as one mock"
    )
    group.add_argument(
        "--state-url",
        default=os.environ.get("MOCKSERVER_STATE_URL"),
        metavar="URL",
        help="redis://host:port/db[?prefix=P]: state, journal and events in Redis "
        "(env MOCKSERVER_STATE_URL; in memory by default)",
    )
    group.add_argument(
        "--state-prefix",
        metavar="PREFIX",
        help="prefix of every Redis key, so mocks can share a server (default: mockserver:)",
    )
    group.add_argument(
        "--workers",
        type=positive_number(int),
        default=1,
        help="worker processes on one port; more than 1 needs --state-url (default: 1)",
    )


def _mount(text: str) -> tuple[str, Path]:
    prefix, eq, file = text.partition("=")
    if not eq or not prefix.startswith("/") or not file:
        raise argparse.ArgumentTypeError(
            f"expected PREFIX=FILE with PREFIX like /billing, got {text!r}"
        )
    return prefix, Path(file)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver",
        description="Mock any OpenAPI 3.x document, fuzz it and check contracts against it.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve a mock of an OpenAPI document")
    serve.add_argument(
        "spec", nargs="*", type=Path,
        help="OpenAPI files (default: the bundled spec); several are each mounted at the path "
        "of their servers[0].url",
    )  # fmt: skip
    serve.add_argument(
        "--mount", type=_mount, action="append", metavar="PREFIX=FILE",
        help="serve FILE under PREFIX (repeatable; with other specs on the same port)",
    )  # fmt: skip
    serve.add_argument("--host", default="127.0.0.1", help="interface (default: %(default)s)")
    serve.add_argument("--port", type=_port, default=4010, help="port (default: %(default)s)")
    serve.add_argument("--seed", type=int, default=None, help="seed for generated data")
    serve.add_argument(
        "--stateless", action="store_true", help="examples and generated data only, no state"
    )
    serve.add_argument(
        "--strict",
        action="store_true",
        help="refuse a document with any defect (default: serve the rest, degrade that part)",
    )
    serve.add_argument("--no-cors", action="store_true", help="do not answer CORS requests")
    serve.add_argument("--reload", action="store_true", help="reload when the spec changes")
    serve.add_argument(
        "--latency", type=_latency, action="append", metavar="[OPERATION=]DELAY",
        help="delay answers (repeatable): 120ms, 50ms..200ms, lognormal(median=80ms,p99=400ms); "
        "OPERATION= (operationId or 'METHOD /path') for one operation",
    )  # fmt: skip
    serve.add_argument("--chaos", type=_rate, default=0.0, help="share of requests that fail (0-1)")
    serve.add_argument("--fixtures", type=Path, help="JSON state to start from")
    serve.add_argument(
        "--examples", type=Path, metavar="DIR",
        help="serve the examples `mockserver proxy --record DIR` recorded there, first",
    )  # fmt: skip
    serve.add_argument(
        "--missing",
        choices=("404", "materialize"),
        default=None,
        help="a read of an id nothing holds: 404, or materialize a record for it (default: "
        "materialize unless the spec uses x-mock-* extensions)",
    )
    serve.add_argument(
        "--seed-examples",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="load the spec's example records at start (default: on unless the spec uses "
        "x-mock-* extensions)",
    )
    serve.add_argument(
        "--admin-token",
        default=os.environ.get("MOCKSERVER_ADMIN_TOKEN"),
        help="token for /__mock/ from non-loopback clients (env MOCKSERVER_ADMIN_TOKEN)",
    )
    serve.add_argument(
        "--jwt-secret",
        default=os.environ.get("MOCKSERVER_JWT_SECRET"),
        help="key signing access tokens (env MOCKSERVER_JWT_SECRET; random by default)",
    )

    _add_state_options(serve)
    add_limit_options(serve, defaults=DEFAULT_LIMITS)
    _add_event_options(serve)

    lint = commands.add_parser("lint", help="report what would stop a spec from being mocked")
    lint.add_argument("spec", type=Path, help="OpenAPI file to check")

    from mockserver.cli.pact import add_contract_commands

    add_contract_commands(commands)

    from mockserver.cli.conform import add_conform_command

    add_conform_command(commands)

    from mockserver.cli.diff import add_diff_command

    add_diff_command(commands)

    from mockserver.cli.proxy import add_proxy_command

    add_proxy_command(commands)
    return parser


def _lint(args: argparse.Namespace) -> int:
    from mockserver.server.diagnose import diagnose

    issues = diagnose(args.spec)
    for issue in issues:
        hint = f"\n    fix: {issue.hint}" if issue.hint else ""
        print(f"{issue.severity}: {args.spec}#{issue.pointer}: {issue.message}{hint}")
    errors = sum(issue.severity == "error" for issue in issues)
    warnings = len(issues) - errors
    print(f"{args.spec}: {errors} errors, {warnings} warnings")
    return 1 if errors else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    try:
        return _run(argv)
    except BrokenPipeError:
        # The reader went away (`mockserver diff OLD NEW | head`): stop quietly, as Unix tools
        # do, instead of a traceback; stdout goes to /dev/null so the final flush cannot fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _run(argv: Sequence[str] | None) -> int:
    args = _build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.command == "serve":
        from mockserver.cli.serve import run_serve_command

        return run_serve_command(args)
    if args.command == "lint":
        return _lint(args)
    if args.command in ("verify", "contracts"):
        from mockserver.cli.pact import run_contract_command

        return run_contract_command(args)
    if args.command == "conform":
        from mockserver.cli.conform import run_conform_command

        return run_conform_command(args)
    if args.command == "diff":
        from mockserver.cli.diff import run_diff_command

        return run_diff_command(args)
    if args.command == "proxy":
        from mockserver.cli.proxy import run_proxy_command

        return run_proxy_command(args)
    raise AssertionError(f"unhandled command {args.command}")  # argparse guards this


if __name__ == "__main__":
    sys.exit(main())
