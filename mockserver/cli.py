"""The ``mockserver`` command line: a thin layer over the library."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from mockserver.errors import MockServerError

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

    lint = commands.add_parser("lint", help="report what would stop a spec from being mocked")
    lint.add_argument("spec", type=Path, help="OpenAPI file to check")
    return parser


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mockserver.app import create_app
    from mockserver.loader import load_spec

    spec_path: Path = args.spec or _default_spec()

    def build() -> object:
        return create_app(
            load_spec(spec_path), seed=args.seed, stateful=not args.stateless, cors=not args.no_cors
        )

    try:
        app = build()
    except MockServerError as exc:
        print(f"mockserver: cannot mock {spec_path}:\n{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"mockserver: cannot read {spec_path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    engine = app.state.engine  # type: ignore[attr-defined]
    if args.reload:
        from mockserver.reload import ReloadingApp

        app = ReloadingApp(build, spec_path)  # type: ignore[arg-type]
    url = f"http://{args.host}:{args.port}{engine.spec.base_path}"
    print(
        f"mockserver: {len(engine.operations)} operations of {spec_path} on {url}",
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")  # type: ignore[arg-type]
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
