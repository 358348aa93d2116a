"""``mockserver proxy``: forward to a real server, check both sides against the spec, report.

Kept apart from ``main.py`` like the other commands; ``main.py`` registers it and hands the
parsed arguments back here. The reports (``--report``, ``--junit``) are written when the
server stops (Ctrl-C, SIGTERM) and on ``POST /__mock/report``. Exit 0; 1 with
``--fail-on-violation`` when any violation was seen; 2: a usage error (a bad option, a spec
that cannot be read).
"""

from __future__ import annotations

import argparse
import gc
import signal
import sys
from pathlib import Path
from typing import Any

from httpguard import GuardError, add_limit_options, limits_from_args, positive_number

__all__ = ["add_proxy_command", "run_proxy_command"]


def add_proxy_command(commands: Any) -> None:
    """Add ``proxy`` to the ``mockserver`` subcommands."""
    from mockserver.server.guard import DEFAULT_LIMITS

    proxy = commands.add_parser(
        "proxy",
        help="forward to a real server and check every exchange against the spec",
        description=(
            "Forward every request to --upstream, answer with its response, and check the "
            "request and the response against the spec. Violations go to the "
            "X-Mock-Violations header, the journal (/__mock/journal) and the reports. "
            "Chosen or missing operations can be answered by the mock instead; answers can "
            "be recorded as examples for `mockserver serve --examples`."
        ),
    )
    proxy.add_argument("spec", type=Path, help="OpenAPI file")
    proxy.add_argument(
        "--upstream", required=True, metavar="URL",
        help="the server the spec describes, with its base path "
        "(e.g. https://staging.example.com/api/v1)",
    )  # fmt: skip
    proxy.add_argument("--host", default="127.0.0.1", help="interface (default: %(default)s)")
    proxy.add_argument("--port", type=_port, default=4010, help="port (default: %(default)s)")
    proxy.add_argument(
        "--mock", action="append", default=[], metavar="OPERATION_ID|TAG",
        help="answer this operation (or every operation of this tag) from the mock; repeatable",
    )  # fmt: skip
    proxy.add_argument(
        "--mock-missing", action="store_true",
        help="answer from the mock when the upstream has no such route (404/405/501 not "
        "declared as such) or cannot be reached",
    )  # fmt: skip
    proxy.add_argument(
        "--record", type=Path, metavar="DIR",
        help="record each distinct answer as a named example in DIR/examples.json",
    )  # fmt: skip
    proxy.add_argument("--report", type=Path, metavar="PATH", help="write violations as JSON")
    proxy.add_argument("--junit", type=Path, metavar="PATH", help="write one test per operation")
    proxy.add_argument(
        "--fail-on-violation", action="store_true",
        help="exit 1 when any violation was seen (for CI running tests through the proxy)",
    )  # fmt: skip
    proxy.add_argument(
        "--upstream-timeout", type=positive_number(float), default=30.0, metavar="SECONDS",
        help="time for one whole exchange with the upstream; 504 after (default: %(default)s)",
    )  # fmt: skip
    proxy.add_argument(
        "--upstream-max-body", type=positive_number(int), default=10 * 1024 * 1024,
        metavar="BYTES", help="largest upstream answer; 502 beyond (default: %(default)s)",
    )  # fmt: skip
    proxy.add_argument(
        "--upstream-insecure", action="store_true",
        help="do not verify the upstream's TLS certificate (self-signed staging)",
    )  # fmt: skip
    proxy.add_argument("--seed", type=int, default=None, help="seed for the mock's data")
    proxy.add_argument("--stateless", action="store_true", help="the mock keeps no state")
    proxy.add_argument("--no-cors", action="store_true", help="do not answer CORS requests")
    proxy.add_argument("--admin-token", default=None, help="token for /__mock/ from elsewhere")
    add_limit_options(proxy, defaults=DEFAULT_LIMITS)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {text!r}")
    return int(text)


def run_proxy_command(args: argparse.Namespace) -> int:
    """Serve the proxy until stopped; the exit code says whether violations were seen."""
    import uvicorn

    from httpguard import uvicorn_options
    from mockserver.cli.serve import start_up_failure
    from mockserver.errors import MockServerError
    from mockserver.proxy.app import create_proxy_app
    from mockserver.server.guard import REFUSALS

    try:
        limits = limits_from_args(args)
        options = uvicorn_options(limits, refusals=REFUSALS)
        app = create_proxy_app(
            args.spec,
            upstream=args.upstream,
            mock=args.mock,
            mock_missing=args.mock_missing,
            record=args.record,
            seed=args.seed,
            stateful=not args.stateless,
            cors=not args.no_cors,
            admin_token=args.admin_token,
            limits=limits,
            upstream_timeout=args.upstream_timeout,
            upstream_max_body=args.upstream_max_body,
            upstream_insecure=args.upstream_insecure,
            report=args.report,
            junit=args.junit,
        )
    except (GuardError, MockServerError, OSError) as exc:
        print(f"mockserver: {start_up_failure(exc, 'proxy', args.spec)}", file=sys.stderr)
        return 2
    proxy = app.state.proxy
    base = app.state.engine.spec.base_path
    print(
        f"mockserver: proxying {args.spec} on http://{args.host}:{args.port}{base} "
        f"to {proxy.upstream.url}",
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: None)  # a graceful stop exits 0, as serve's
    # As serve does: what start-up built lives as long as the server; full collections need
    # not walk it again (their pauses set the p99).
    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        server_header=False,  # no "server: uvicorn" (the proxy passes the upstream's)
        timeout_graceful_shutdown=args.shutdown_timeout,
        **options,
    )
    seen = proxy.report.violation_count
    print(
        f"mockserver: {proxy.report.exchange_count} exchanges, {seen} violations",
        flush=True,
    )
    return 1 if args.fail_on_violation and seen else 0
