"""``mockserver conform``: run the provider in lock-step with the mock and report divergences.

Kept apart from ``main.py`` like the contract commands; ``main.py`` registers it and hands the
parsed arguments back here. Exit 0: no divergence; 1: divergences; 2: a usage error (a bad
option, a spec that cannot be read, a provider that does not answer).
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mockserver.cli.main import _default_spec
from mockserver.errors import MockServerError

__all__ = ["add_conform_command", "run_conform_command"]


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return seconds


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT (e.g. 0.0.0.0:8099), got {text!r}")
    return host.strip("[]"), int(port)


def add_conform_command(commands: Any) -> None:
    """Add ``conform`` to the ``mockserver`` subcommands."""
    from mockserver.conform.receiver import SETTLE
    from mockserver.conform.search import DEFAULT_MAX_EXAMPLES, DEFAULT_TIME_LIMIT

    conform = commands.add_parser(
        "conform",
        help="check a running provider against the executable spec (the mock)",
        description=(
            "Run stateful sequences of requests (two users, the auth lifecycle, every "
            "resource) against a fresh in-process mock and the provider in lock-step, and "
            "report every divergence shrunk to a minimal sequence, with a curl script. "
            "Exit 1 on any divergence."
        ),
    )
    conform.add_argument(
        "--provider-url", required=True, help="the provider's root URL, e.g. http://127.0.0.1:8000"
    )
    conform.add_argument("--spec", type=Path, help="OpenAPI file (default: the bundled spec)")
    conform.add_argument(
        "--state-url",
        help="the provider's provider-state endpoint (Pact's protocol, the states of "
        "contracts/states.yaml): with it an account is also suspended and checked; users "
        "are otherwise made through the API",
    )
    conform.add_argument(
        "--max-examples",
        type=_positive,
        default=DEFAULT_MAX_EXAMPLES,
        metavar="N",
        help="programs drawn before shrinking (default: %(default)s)",
    )
    conform.add_argument(
        "--seed", type=_seed, default=0, help="seed of the programs drawn (default: %(default)s)"
    )
    conform.add_argument(
        "--time-limit",
        type=_positive,
        default=int(DEFAULT_TIME_LIMIT),
        metavar="SECONDS",
        help="stop running programs (and shrinking) after this long (default: %(default)s)",
    )
    conform.add_argument("--junit", type=Path, help="write a JUnit XML report here")
    hooks = conform.add_argument_group(
        "webhooks",
        "Both servers are subscribed to every webhook event at a receiver conform runs, and "
        "what each delivers is checked (schema, signature, retry, once per event). By default "
        "only for a provider on this machine.",
    )
    hooks.add_argument(
        "--webhook-listen",
        type=_address,
        default=("127.0.0.1", 0),
        metavar="HOST:PORT",
        help="where the receiver listens (default: 127.0.0.1 on a free port)",
    )
    hooks.add_argument(
        "--webhook-url",
        help="the receiver's URL as the provider reaches it (a tunnel, a host name); "
        "needed for a provider on another machine",
    )
    hooks.add_argument(
        "--webhook-settle",
        type=_seconds,
        default=SETTLE,
        metavar="SECONDS",
        help="quiet time that ends the wait for deliveries; longer than the provider's retry "
        "backoff (default: %(default)s)",
    )
    hooks.add_argument(
        "--no-webhooks", action="store_true", help="leave webhook deliveries unchecked"
    )


def run_conform_command(args: argparse.Namespace) -> int:
    """Run ``conform``; answer the exit code."""
    from mockserver.conform.model import ApiModel
    from mockserver.conform.report import format_result, junit_xml
    from mockserver.conform.search import conform
    from mockserver.spec.loader import load_spec

    spec_path = args.spec or _default_spec()
    with contextlib.ExitStack() as stack:
        stack.enter_context(_quiet_about_webhooks())
        try:
            model = ApiModel.from_spec(load_spec(spec_path))
            receiver, note = _receiver(args, model)
            if receiver is not None:
                stack.enter_context(receiver)
            result = conform(
                model,
                args.provider_url,
                max_examples=args.max_examples,
                seed=args.seed,
                time_limit=float(args.time_limit),
                receiver=receiver,
                state_url=args.state_url,
            )
        except OSError as exc:
            return _usage(f"cannot read {spec_path}: {exc.strerror or exc}")
        except MockServerError as exc:
            return _usage(str(exc))
    print(format_result(result, provider_url=args.provider_url), flush=True)
    print(f"webhooks: {note}", flush=True)
    if args.junit is not None:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.write_text(junit_xml(result, provider_url=args.provider_url))
    return 0 if result.passed else 1


def _receiver(args: argparse.Namespace, model: Any) -> tuple[Any, str]:
    """conform's webhook receiver for ``args`` (None when not checked), and a note saying so."""
    from mockserver.conform.receiver import Receiver
    from mockserver.conform.webhooks import subscription_endpoint

    if args.no_webhooks:
        return None, "not checked (--no-webhooks)"
    if subscription_endpoint(model) is None:
        return None, "not checked: the spec declares no webhooks and a way to subscribe to them"
    host = urlsplit(args.provider_url).hostname or ""
    if args.webhook_url is None and not _local(host):
        return None, (
            f"not checked: the provider at {host} cannot reach a receiver on this machine's "
            "loopback; pass --webhook-listen 0.0.0.0:PORT --webhook-url URL it can reach"
        )
    receiver = Receiver(*args.webhook_listen, url=args.webhook_url, settle=args.webhook_settle)
    return receiver, f"checked (every event of both servers, received at {receiver.url})"


class _WebhookNotes(logging.Filter):
    """Drops the conform mock's log lines about webhooks (one not sent to an example URL, a
    retry): its deliveries are conform's oracle, checked and reported, not logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("webhook ")


@contextlib.contextmanager
def _quiet_about_webhooks() -> Iterator[None]:
    logger, notes = logging.getLogger("mockserver"), _WebhookNotes()
    logger.addFilter(notes)
    try:
        yield
    finally:
        logger.removeFilter(notes)


def _local(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _usage(message: str) -> int:
    print(f"mockserver conform: {message}", file=sys.stderr)
    return 2
