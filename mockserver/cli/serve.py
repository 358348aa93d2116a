"""``mockserver serve`` run: the app its arguments build, handed to uvicorn.

``main.py`` parses ``serve``'s options and hands the arguments here. A ``--workers`` process
starts from `worker_app` and `worker_http`, rebuilding the app, and the protocol enforcing the
limits, from the parent's arguments. Exit 0 once the server stops; 2: a setting to fix.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from httpguard import GuardError, limits_from_args, uvicorn_options
from mockserver.cli.main import _build_parser, _default_spec
from mockserver.errors import ConfigError, MockServerError
from mockserver.server.guard import REFUSALS

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from starlette.applications import Starlette
    from starlette.types import ASGIApp, Receive, Scope, Send

    from mockserver.server.engine import Engine
    from mockserver.server.latency import Delay
    from mockserver.server.mounts import MountedApp

__all__ = ["run_serve_command", "start_up_failure", "worker_app", "worker_http"]

_WORKER_ARGV = "MOCKSERVER_WORKER_ARGV"


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
    A plain function returning the app's own awaitable, not a coroutine awaiting it: every
    request passes here, and a layer of coroutine costs each one (uvicorn is told it is
    ASGI 3, which it would otherwise guess from a coroutine function).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "lifespan":
            import asyncio

            asyncio.get_running_loop().call_later(_FREEZE_AFTER, _freeze_startup)
        return self.app(scope, receive, send)


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


def start_up_failure(exc: Exception, doing: str, spec: object) -> str:
    """What ``serve`` and ``proxy`` say when a spec or a setting stops them before they start:
    a setting's own message, the spec's defect (``cannot mock SPEC``), or the unreadable file."""
    if isinstance(exc, ConfigError | GuardError):
        return str(exc)
    if isinstance(exc, MockServerError):
        return f"cannot {doing} {spec}:\n{exc}"
    strerror = exc.strerror if isinstance(exc, OSError) else None
    return f"cannot read {spec}: {strerror or exc}"


def run_serve_command(args: argparse.Namespace) -> int:
    """Run ``serve`` with the parsed arguments; its exit code."""
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
    except (GuardError, MockServerError, OSError) as exc:
        print(f"mockserver: {start_up_failure(exc, 'mock', spec_path)}", file=sys.stderr)
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
        options["http"] = "mockserver.cli.serve:worker_http"
    if args.workers > 1:
        _freeze_startup()
    else:
        app = _FreezeWhenServing(app)
    uvicorn.run(
        "mockserver.cli.serve:worker_app" if args.workers > 1 else app,
        factory=args.workers > 1,
        workers=args.workers if args.workers > 1 else None,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        server_header=False,  # no "server: uvicorn": the mock stands in for a backend
        interface="asgi3",  # every app served here is; `_FreezeWhenServing` is not a coroutine
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
