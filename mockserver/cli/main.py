"""The ``mockserver`` command line: a thin layer over the library."""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from httpguard import (
    GuardError,
    add_limit_options,
    limits_from_args,
    positive_number,
    uvicorn_options,
)
from mockserver.errors import ConfigError, MockServerError
from mockserver.server.guard import DEFAULT_LIMITS, REFUSALS

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.types import ASGIApp, Receive, Scope, Send

    from mockserver.server.engine import Engine
    from mockserver.server.latency import Delay
    from mockserver.server.mounts import MountedApp

__all__ = ["main"]

DEFAULT_SPEC = Path("openapi") / "openapi.yaml"
# The checkout this package lives in: mockserver/cli/main.py is three levels below it.
CHECKOUT = Path(__file__).resolve().parents[2]
_WORKER_ARGV = "MOCKSERVER_WORKER_ARGV"


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


def _latencies(args: argparse.Namespace) -> tuple[Delay | None, dict[str, Delay]]:
    """``--latency`` given as often as wanted: the global delay (the last) and per operation."""
    overall: Delay | None = None
    per_operation: dict[str, Delay] = {}
    for target, delay in args.latency or ():
        if target is None:
            overall = delay
        else:
            per_operation[target] = delay
    return overall, per_operation


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


def _state_problem(args: argparse.Namespace) -> str | None:
    """Why the state options cannot work together, or None."""
    if args.workers > 1 and args.state_url is None:
        return (
            f"--workers {args.workers} needs --state-url: every worker is a separate process "
            "with its own memory, so a resource created through one worker would be missing "
            "in the others, and tokens, rate limits and the journal would be split between "
            "them. Run Redis and add --state-url redis://127.0.0.1:6379/0, or use one worker."
        )
    if args.reload and (args.workers > 1 or args.state_url is not None):
        return (
            "--reload rebuilds the mock inside one process; it cannot be combined with "
            "--workers or --state-url. Drop --reload, or serve from memory with one worker."
        )
    return None


@functools.cache
def _worker_args() -> argparse.Namespace:
    return _build_parser().parse_args(json.loads(os.environ[_WORKER_ARGV]))


def worker_app() -> Starlette | MountedApp:
    """The app of one ``--workers`` process: ``serve``'s arguments come in the environment."""
    # The parent loaded the fixtures into the shared store once, before starting workers.
    app = _create_app(_worker_args(), fixtures=None)
    _freeze_startup()
    return app


def _freeze_startup() -> None:
    """Keep what start-up built (the spec, compiled validators) out of later collections.

    It lives as long as the server, yet every full collection walked it again: with a
    write-heavy load those pauses (tens of ms) set the p99. Done here, not in `create_app`:
    a library caller (a test suite) builds and drops many apps, which must stay collectable.
    """
    gc.collect()
    gc.freeze()


class _FreezeWhenServing:
    """The app, with `_freeze_startup` run once the server listens, not before.

    Collecting before freezing walks everything start-up built: 0.17 s for GitHub's REST
    description, which the mock then answers sooner by doing it just after it is ready.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            import asyncio

            asyncio.get_running_loop().call_later(_FREEZE_AFTER, _freeze_startup)
        await self.app(scope, receive, send)


_FREEZE_AFTER = 1.0  # seconds after the lifespan starts


def worker_http(**kwargs: Any) -> Any:
    """uvicorn's HTTP protocol in a ``--workers`` process, enforcing ``serve``'s limits."""
    return _worker_protocol()(**kwargs)


@functools.cache
def _worker_protocol() -> Any:
    return _uvicorn_options(_worker_args())["http"]


def _uvicorn_options(args: argparse.Namespace) -> dict[str, Any]:
    """uvicorn's options enforcing ``serve``'s limits, refused the mock's way."""
    return uvicorn_options(limits_from_args(args), refusals=REFUSALS)


def _mount(text: str) -> tuple[str, Path]:
    prefix, eq, file = text.partition("=")
    if not eq or not prefix.startswith("/") or not file:
        raise argparse.ArgumentTypeError(
            f"expected PREFIX=FILE with PREFIX like /billing, got {text!r}"
        )
    return prefix, Path(file)


def _mounts(args: argparse.Namespace) -> list[tuple[str | None, Path]] | None:
    """What ``serve`` mounts: ``None`` for one spec at its own base path (the usual case)."""
    mounted: list[tuple[str | None, Path]] = [(None, path) for path in args.spec]
    mounted += args.mount or []
    if len(mounted) == 1 and mounted[0][0] is None:
        return None
    return mounted or None


def _spec_path(args: argparse.Namespace) -> Path:
    """The one spec ``serve`` serves (the first, with several)."""
    if args.spec:
        return Path(args.spec[0])
    return args.mount[0][1] if args.mount else _default_spec()


def _create_app(args: argparse.Namespace, *, fixtures: Any) -> Starlette | MountedApp:
    """The app ``serve`` runs for ``args`` (every ``--workers`` process builds its own)."""
    from mockserver.events.egress import HostPolicy
    from mockserver.events.webhooks import DeliveryPolicy
    from mockserver.server.app import create_app
    from mockserver.server.mounts import create_mounted_app
    from mockserver.spec.loader import load_spec

    latency, operation_latency = _latencies(args)
    mounted = _mounts(args)
    if mounted is not None and args.examples is not None:
        raise ConfigError(
            "--examples serves the recording of one spec; serve that spec alone with it"
        )
    # What every mock is built with, one spec or several on one port.
    options: dict[str, Any] = {
        "seed": args.seed,
        "stateful": not args.stateless,
        "cors": not args.no_cors,
        "latency": latency,
        "operation_latency": operation_latency,
        "chaos": args.chaos,
        "fixtures": fixtures,
        "admin_token": args.admin_token,
        "jwt_secret": args.jwt_secret,
        "limits": limits_from_args(args),
        "state_url": args.state_url,
        "strict": args.strict,
        "missing": args.missing,
        "seed_examples": args.seed_examples,
    }
    if mounted is not None:
        return create_mounted_app(mounted, **options)
    spec = load_spec(_spec_path(args), strict=args.strict)
    if args.examples is not None:
        from mockserver.proxy.record import with_examples

        spec, skipped = with_examples(spec, args.examples)
        for reason in skipped:
            print(f"mockserver: recorded example not served: {reason}", file=sys.stderr)
    return create_app(
        spec,
        **options,
        state_prefix=args.state_prefix,
        asyncapi=args.asyncapi,
        webhooks=DeliveryPolicy(
            attempts=args.webhook_attempts,
            backoff=args.webhook_backoff,
            grace=args.webhook_grace,
            hosts=HostPolicy(args.webhook_hosts.split(",")),
        ),
    )


async def _prime(engine: Engine, fixtures: Any) -> None:
    """Before ``--workers`` start: load the fixtures into the shared store, once."""
    if engine.state is not None:
        if fixtures is not None:
            await engine.state.import_state(fixtures)
        await engine.state.context.store.aclose()


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


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    spec_path = _spec_path(args)
    mounted = _mounts(args)
    if mounted is not None and (args.reload or args.workers > 1):
        option = "--reload" if args.reload else f"--workers {args.workers}"
        print(
            f"mockserver: {option} serves one spec; run several specs (or --mount) without it",
            file=sys.stderr,
        )
        return 2
    fixtures = None
    if args.fixtures is not None:
        try:
            fixtures = json.loads(args.fixtures.read_text())
        except (OSError, ValueError) as exc:
            print(f"mockserver: cannot read fixtures {args.fixtures}: {exc}", file=sys.stderr)
            return 2

    problem = _state_problem(args)
    if problem is not None:
        print(f"mockserver: {problem}", file=sys.stderr)
        return 2

    def build() -> Starlette | MountedApp:
        return _create_app(args, fixtures=fixtures)

    try:
        # A limit the parser let through but `Limits` refuses, or a uvicorn whose protocol
        # httpguard cannot extend: either is a setting to fix, said before anything serves.
        options = _uvicorn_options(args)
        built = build()
    except (ConfigError, GuardError) as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    except MockServerError as exc:
        print(f"mockserver: cannot mock {spec_path}:\n{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"mockserver: cannot read {spec_path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    engine = built.state.engine
    app: ASGIApp = built
    if args.reload:
        from mockserver.server.reload import ReloadingApp

        app = ReloadingApp(build, spec_path)
    if mounted is None:
        url = f"http://{args.host}:{args.port}{engine.spec.base_path}"
        print(f"mockserver: {_served(engine, spec_path)} on {url}", flush=True)
    for each in built.state.engines if mounted is not None else ():
        url = f"http://{args.host}:{args.port}{each.spec.base_path}"
        print(f"mockserver: {_served(each, Path(each.spec.source))} on {url}", flush=True)
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again once its own
    # handler is gone; answering it here makes a graceful stop exit 0 instead of 143.
    signal.signal(signal.SIGTERM, lambda *_: None)
    if args.workers > 1:
        import asyncio

        asyncio.run(_prime(engine, fixtures))
        # Each worker is a fresh (spawned) process: it rebuilds the app, and the protocol
        # enforcing the limits, from the same arguments. Only picklable options cross over.
        os.environ[_WORKER_ARGV] = json.dumps(args.argv)
        options["http"] = "mockserver.cli.main:worker_http"
    if args.workers > 1:
        _freeze_startup()
    else:
        app = _FreezeWhenServing(app)
    uvicorn.run(
        "mockserver.cli.main:worker_app" if args.workers > 1 else app,
        factory=args.workers > 1,
        workers=args.workers if args.workers > 1 else None,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=args.shutdown_timeout,
        **options,
    )
    return 0


def _served(engine: Engine, spec_path: Path) -> str:
    """``12 operations of spec.yaml`` and, when the document had defects, what they cost."""
    line = f"{len(engine.operations)} operations of {spec_path}"
    warnings, degraded = len(engine.spec.issues), len(engine.degraded)
    if warnings or degraded:
        line += (
            f" ({warnings} warnings, {degraded} operations not served; "
            "run `mockserver lint` for the list)"
        )
    return line


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
        return _serve(args)
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
