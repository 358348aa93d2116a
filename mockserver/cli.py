"""The ``mockserver`` command line: a thin layer over the library."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]

DEFAULT_SPEC = Path("openapi") / "openapi.yaml"


def _default_spec() -> Path:
    """The bundled spec: ``openapi/openapi.yaml`` of the working tree, else of the checkout."""
    if DEFAULT_SPEC.is_file():
        return DEFAULT_SPEC
    return Path(__file__).resolve().parent.parent / DEFAULT_SPEC


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver",
        description="Mock any OpenAPI 3.x document, fuzz it and check contracts against it.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve a mock of an OpenAPI document")
    serve.add_argument("spec", nargs="?", type=Path, help="OpenAPI file (default: bundled spec)")
    serve.add_argument("--host", default="127.0.0.1", help="interface (default: %(default)s)")
    serve.add_argument("--port", type=int, default=4010, help="port to bind (default: %(default)s)")
    serve.add_argument("--seed", type=int, default=None, help="seed for generated data")
    return parser


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mockserver.app import create_app

    spec = args.spec or _default_spec()
    if not spec.is_file():
        print(f"mockserver: no such spec file: {spec}", file=sys.stderr)
        return 2
    app = create_app(spec, seed=args.seed)
    print(f"mockserver: serving {spec} on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    args = _build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    raise AssertionError(f"unhandled command {args.command}")  # argparse guards this


if __name__ == "__main__":
    sys.exit(main())
