"""``python -m fuzzing``: start a fresh mock or provider on loopback and ``schemathesis run`` it.

The deep local run behind ``make fuzz``; CI runs the same command with a small budget in
``tests/test_fuzzing.py``. ``--url`` runs against a server already up (staging) instead;
``--peers`` adds two accounts for Schemathesis' ``object_level_authorization`` check
(`fuzzing.peers`). Exits with Schemathesis' exit code.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from fuzzing.peers import PEERS_ENV, peer_config

ROOT = Path(__file__).resolve().parent.parent
SPEC = "openapi/openapi.yaml"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _server_command(target: str, port: int, data: Path) -> list[str]:
    if target == "mock":
        return [sys.executable, "-m", "mockserver", "serve", SPEC, "--port", str(port)]
    database = f"sqlite:///{data / 'provider.sqlite3'}"
    return [sys.executable, "-m", "provider", "--port", str(port), "--database-url", database]


def _wait_until_healthy(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode} before answering")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url}/health did not answer 200 within 30 s")


def main(argv: Sequence[str] | None = None) -> int:
    cli = argparse.ArgumentParser(prog="python -m fuzzing", description=__doc__)
    cli.add_argument("--target", choices=("mock", "provider"), default="mock")
    cli.add_argument("--max-examples", type=int, default=200, help="per operation and phase")
    cli.add_argument("--url", help="the API root of a running server (no server is started)")
    cli.add_argument(
        "--peers", action="store_true", help="two accounts for object_level_authorization"
    )
    args, extra = cli.parse_known_args(argv)
    with tempfile.TemporaryDirectory(prefix="fuzz-") as data:
        if args.url:
            return _run(args.url, args, extra, Path(data))
        port = _free_port()
        url = f"http://127.0.0.1:{port}/api/v1"
        command = _server_command(args.target, port, Path(data))
        server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
        try:
            _wait_until_healthy(url, server)
            return _run(url, args, extra, Path(data))
        finally:
            server.terminate()
            server.wait(timeout=30)


def _run(url: str, args: argparse.Namespace, extra: list[str], data: Path) -> int:
    run = [sys.executable, "-m", "schemathesis.cli"]
    env = dict(os.environ)
    if args.peers:
        run += ["--config-file", str(peer_config(url, data))]
        env[PEERS_ENV] = "1"
    run += ["run", SPEC, "--url", url, "--max-examples", str(args.max_examples), *extra]
    return subprocess.run(run, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
