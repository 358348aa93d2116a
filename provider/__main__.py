"""``python -m provider``: serve the reference provider with uvicorn.

A thin layer over ``create_app``: options and the environment become settings (bad ones exit
2 with the reason), then uvicorn serves until interrupted.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence

import uvicorn

from provider.app import create_app
from provider.config import default_database_url, normalize_database_url
from provider.errors import ProviderError
from provider.limits import Limits, uvicorn_options

__all__ = ["main", "parser"]

EPILOG = """environment:
  DATABASE_URL         database URL when --database-url is not given
  PROVIDER_JWT_SECRET  HS256 signing key (at least 32 bytes); random per process by default
"""


def parser() -> argparse.ArgumentParser:
    """The command line."""
    cli = argparse.ArgumentParser(
        prog="python -m provider",
        description="Serve the reference implementation of openapi/openapi.yaml on a database.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_argument("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    cli.add_argument("--port", type=int, default=8000, help="TCP port (default: %(default)s)")
    cli.add_argument(
        "--database-url",
        default=None,
        help="sqlite:///file or postgresql+psycopg://user:pass@host/db "
        "(default: $DATABASE_URL, else .data/provider.sqlite3 under the working directory)",
    )
    cli.add_argument(
        "--test-states",
        action="store_true",
        help="expose POST /_pact/provider-states for Pact verification (never in production)",
    )
    cli.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn log level (default: %(default)s)",
    )
    limits = cli.add_argument_group("limits", "what one request may cost (see README)")
    defaults = Limits()
    for name, kind, unit in [
        ("max_body_bytes", int, "bytes"),
        ("max_json_depth", int, "levels"),
        ("max_header_bytes", int, "bytes of request line and headers"),
        ("max_query_params", int, "parameters"),
        ("header_timeout", float, "seconds to send the headers"),
        ("body_timeout", float, "seconds to send the body"),
    ]:
        limits.add_argument(
            "--" + name.replace("_", "-"),
            type=_positive(kind),
            default=getattr(defaults, name),
            help=f"{unit} (default: %(default)s)",
        )
    limits.add_argument(
        "--shutdown-timeout",
        type=_positive(float),
        default=30.0,
        help="on SIGTERM, seconds in-flight requests get to finish (default: %(default)s)",
    )
    return cli


def _positive(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}")
        return value

    return parse


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server; answer the exit status."""
    args = parser().parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(
            f"error: expected --port between 0 and 65535, got --port={args.port}", file=sys.stderr
        )
        return 2
    database_url = args.database_url or os.environ.get("DATABASE_URL") or default_database_url()
    try:
        limits = Limits(
            max_body_bytes=args.max_body_bytes,
            max_json_depth=args.max_json_depth,
            max_header_bytes=args.max_header_bytes,
            max_query_params=args.max_query_params,
            header_timeout=args.header_timeout,
            body_timeout=args.body_timeout,
        )
        app = create_app(
            limits=limits,
            database_url=database_url,
            test_states=args.test_states,
            jwt_secret=os.environ.get("PROVIDER_JWT_SECRET") or None,
        )
    except ProviderError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    shown = normalize_database_url(database_url).render_as_string(hide_password=True)
    print(
        f"provider: http://{args.host}:{args.port}/api/v1 on {shown}"
        + (" (provider states at /_pact/provider-states)" if args.test_states else ""),
        flush=True,
    )
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again once its own
    # handler is gone; answering it here makes a graceful stop exit 0 instead of 143.
    signal.signal(signal.SIGTERM, lambda *_: None)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=args.shutdown_timeout,
        **uvicorn_options(limits),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
