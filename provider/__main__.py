"""``python -m provider``: serve the reference provider with uvicorn.

A thin layer over ``create_app``: options and the environment become settings (bad ones exit
2 with the reason), then uvicorn serves until interrupted.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

import uvicorn

from httpguard import GuardError, add_limit_options, limits_from_args, uvicorn_options
from provider.app import DEFAULT_LIMITS, create_app
from provider.config import WebhookPolicy, default_database_url, normalize_database_url
from provider.errors import ProviderError
from provider.problems import REFUSALS

__all__ = ["main", "parser"]

EPILOG = """environment:
  DATABASE_URL         database URL when --database-url is not given
  PROVIDER_JWT_SECRET  HS256 signing key (at least 32 bytes); random per process by default
  PROVIDER_WEBHOOK_ATTEMPTS, _BACKOFF, _TIMEOUT, _HOSTS
                       the --webhook-* options' values when they are not given
"""
# (option name, what it is) of the webhook delivery settings (`provider.config.WebhookPolicy`).
WEBHOOK_OPTIONS = (
    ("attempts", "tries per delivery (default: 5)"),
    ("backoff", "seconds before the first retry, doubling after each (default: 1)"),
    ("timeout", "seconds a receiver gets to answer a try (default: 10)"),
    ("hosts", "where deliveries may go: private, *, IP networks, names with * (default: private)"),
)


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
    webhooks = cli.add_argument_group("webhooks", "delivery of the spec's webhooks (see README)")
    for name, help_ in WEBHOOK_OPTIONS:
        webhooks.add_argument(f"--webhook-{name}", default=None, help=help_)
    add_limit_options(cli, defaults=DEFAULT_LIMITS)
    return cli


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
        limits = limits_from_args(args)
        options = uvicorn_options(limits, refusals=REFUSALS)
        webhooks = WebhookPolicy.parse(
            {
                name: getattr(args, f"webhook_{name}")
                or os.environ.get(f"PROVIDER_WEBHOOK_{name.upper()}")
                for name, _ in WEBHOOK_OPTIONS
            }
        )
        app = create_app(
            webhooks=webhooks,
            limits=limits,
            database_url=database_url,
            test_states=args.test_states,
            jwt_secret=os.environ.get("PROVIDER_JWT_SECRET") or None,
        )
    except (ProviderError, GuardError) as error:
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
        **options,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
