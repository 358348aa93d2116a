"""The limit options of a command line, written once for every server that uses `Limits`."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from httpguard.limits import Limits

__all__ = ["add_limit_options", "limits_from_args", "positive_number"]

# Each option of `Limits`: its type and what its number counts (the help text).
_OPTIONS: tuple[tuple[str, type[int] | type[float], str], ...] = (
    ("max_body_bytes", int, "bytes"),
    ("max_json_depth", int, "levels"),
    ("max_header_bytes", int, "bytes of request line and headers"),
    ("max_query_params", int, "parameters"),
    ("header_timeout", float, "seconds to send the headers"),
    ("body_timeout", float, "seconds to send the body"),
)


def add_limit_options(
    parser: argparse.ArgumentParser, *, defaults: Limits, shutdown_timeout: float = 30.0
) -> None:
    """Add a ``limits`` group to ``parser``: ``--max-body-bytes`` ... ``--shutdown-timeout``.

    ``defaults`` gives each limit's default; ``--shutdown-timeout`` (seconds in-flight requests
    get on SIGTERM, uvicorn's ``timeout_graceful_shutdown``) is in the group too, as it bounds
    what a request may cost at shutdown.
    """
    group = parser.add_argument_group("limits", "what one request may cost (see README)")
    for name, kind, unit in _OPTIONS:
        group.add_argument(
            "--" + name.replace("_", "-"),
            type=positive_number(kind),
            default=getattr(defaults, name),
            help=f"{unit} (default: %(default)s)",
        )
    group.add_argument(
        "--shutdown-timeout",
        type=positive_number(float),
        default=shutdown_timeout,
        help="on SIGTERM, seconds in-flight requests get to finish (default: %(default)s)",
    )


def limits_from_args(args: argparse.Namespace) -> Limits:
    """The `Limits` of options parsed from a parser `add_limit_options` set up."""
    return Limits(**{name: getattr(args, name) for name, _, _ in _OPTIONS})


def positive_number(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    """An argparse ``type``: a finite ``kind`` above 0, else a usage error naming the text."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not 0 < value < float("inf"):  # NaN and infinity are refused too
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}")
        return value

    return parse
