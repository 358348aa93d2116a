"""The ``mockserver`` command line: a thin layer over the library."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mockserver.errors import ConfigError, MockServerError

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.types import ASGIApp

__all__ = ["main"]

DEFAULT_SPEC = Path("openapi") / "openapi.yaml"


def _default_spec() -> Path:
    """The bundled spec: ``openapi/openapi.yaml`` of the working tree, else of the checkout."""
    if DEFAULT_SPEC.is_file():
        return DEFAULT_SPEC
    return Path(__file__).resolve().parent.parent / DEFAULT_SPEC


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {text!r}")
    return int(text)


def _latency(text: str) -> tuple[float, float]:
    from mockserver.faults import parse_latency

    try:
        return parse_latency(text)
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


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver",
        description="Mock any OpenAPI 3.x document, fuzz it and check contracts against it.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve a mock of an OpenAPI document")
    serve.add_argument("spec", nargs="?", type=Path, help="OpenAPI file (default: bundled spec)")
    serve.add_argument("--host", default="127.0.0.1", help="interface (default: %(default)s)")
    serve.add_argument("--port", type=_port, default=4010, help="port (default: %(default)s)")
    serve.add_argument("--seed", type=int, default=None, help="seed for generated data")
    serve.add_argument(
        "--stateless", action="store_true", help="examples and generated data only, no state"
    )
    serve.add_argument("--no-cors", action="store_true", help="do not answer CORS requests")
    serve.add_argument("--reload", action="store_true", help="reload when the spec changes")
    serve.add_argument("--latency", type=_latency, help="delay answers: MS or MIN-MAX (ms)")
    serve.add_argument("--chaos", type=_rate, default=0.0, help="share of requests that fail (0-1)")
    serve.add_argument("--fixtures", type=Path, help="JSON state to start from")
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

    lint = commands.add_parser("lint", help="report what would stop a spec from being mocked")
    lint.add_argument("spec", type=Path, help="OpenAPI file to check")
    return parser


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mockserver.app import create_app
    from mockserver.loader import load_spec

    spec_path: Path = args.spec or _default_spec()
    fixtures = None
    if args.fixtures is not None:
        try:
            fixtures = json.loads(args.fixtures.read_text())
        except (OSError, ValueError) as exc:
            print(f"mockserver: cannot read fixtures {args.fixtures}: {exc}", file=sys.stderr)
            return 2

    def build() -> Starlette:
        return create_app(
            load_spec(spec_path),
            seed=args.seed,
            stateful=not args.stateless,
            cors=not args.no_cors,
            latency=args.latency,
            chaos=args.chaos,
            fixtures=fixtures,
            admin_token=args.admin_token,
            jwt_secret=args.jwt_secret,
        )

    try:
        built = build()
    except MockServerError as exc:
        print(f"mockserver: cannot mock {spec_path}:\n{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"mockserver: cannot read {spec_path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    engine = built.state.engine
    app: ASGIApp = built
    if args.reload:
        from mockserver.reload import ReloadingApp

        app = ReloadingApp(build, spec_path)
    url = f"http://{args.host}:{args.port}{engine.spec.base_path}"
    print(
        f"mockserver: {len(engine.operations)} operations of {spec_path} on {url}",
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


def _lint(args: argparse.Namespace) -> int:
    from mockserver.lint import lint_spec

    issues = lint_spec(args.spec)
    for issue in issues:
        hint = f"\n    fix: {issue.hint}" if issue.hint else ""
        print(f"{issue.severity}: {args.spec}#{issue.pointer}: {issue.message}{hint}")
    errors = sum(issue.severity == "error" for issue in issues)
    warnings = len(issues) - errors
    print(f"{args.spec}: {errors} errors, {warnings} warnings")
    return 1 if errors else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    args = _build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "lint":
        return _lint(args)
    raise AssertionError(f"unhandled command {args.command}")  # argparse guards this


if __name__ == "__main__":
    sys.exit(main())
