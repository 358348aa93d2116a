"""What the soak runs against: each target a real server process on loopback, always stopped.

``mock-memory`` (one process), ``mock-redis`` (``--workers 2 --state-url`` on a
``redis-server`` started here), ``provider-sqlite`` and ``provider-postgresql`` (a throwaway
cluster from the Debian binaries). A target whose binary is missing raises `Unavailable`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["TARGETS", "Running", "Unavailable", "rss_bytes", "start"]

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "openapi.yaml"
TARGETS = ("mock-memory", "mock-redis", "provider-sqlite", "provider-postgresql")


class Unavailable(Exception):
    """The target cannot run here; the message says what to install."""


@dataclass(frozen=True)
class Running:
    """A started target: where it answers, the server's pid, its log."""

    name: str
    url: str
    pid: int
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_bytes(pid: int) -> int:
    """VmRSS of ``pid`` and its descendants (``--workers`` forks), from ``/proc``."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for children in Path(f"/proc/{current}/task").glob("*/children"):
                pending.extend(int(child) for child in children.read_text().split())
    return total


@contextlib.contextmanager
def _process(argv: list[str], ready: str, log: Path, name: str) -> Iterator[int]:
    """Run ``argv`` in its own process group until the block exits; yields its pid."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{name} did not start (`{' '.join(argv)}`):\n{tail}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(ready, timeout=2).status_code == 200:
                    break
            time.sleep(0.05)
        yield process.pid
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@contextlib.contextmanager
def _redis(directory: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise Unavailable("redis-server is not installed: `apt-get install redis-server`")
    # The tests' throwaway server: loopback, a free port, nothing saved.
    from tests.redis_server import RedisServer

    server = RedisServer(binary, directory)
    try:
        yield server.url()
    finally:
        server.stop()


@contextlib.contextmanager
def _postgres() -> Iterator[str]:
    from tests.provider.postgres import PostgresCluster

    reason = PostgresCluster.unavailable_reason()
    if reason is not None:
        raise Unavailable(reason)
    cluster = PostgresCluster.start()
    try:
        yield cluster.create_database()
    finally:
        cluster.stop()


@contextlib.contextmanager
def start(name: str) -> Iterator[Running]:
    """Start target ``name`` (one of `TARGETS`) for the block.

    Raises:
        Unavailable: a binary the target needs is not installed.
    """
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    mock = [sys.executable, "-m", "mockserver", "serve", str(SPEC), "--port", str(port)]
    provider = [sys.executable, "-m", "provider", "--port", str(port), "--log-level", "warning"]
    with (
        tempfile.TemporaryDirectory(prefix=f"soak-{name}-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        directory = Path(tmp)
        log = directory / "server.log"
        if name == "mock-memory":
            argv, ready = mock, url + "/__mock/health"
        elif name == "mock-redis":
            state = stack.enter_context(_redis(directory))
            argv, ready = [*mock, "--workers", "2", "--state-url", state], url + "/__mock/health"
        elif name == "provider-sqlite":
            database = f"sqlite:///{directory / 'provider.sqlite3'}"
            argv, ready = [*provider, "--database-url", database], url + "/api/v1/health"
        elif name == "provider-postgresql":
            database = stack.enter_context(_postgres())
            argv, ready = [*provider, "--database-url", database], url + "/api/v1/health"
        else:
            raise ValueError(f"expected a target among {', '.join(TARGETS)}, got name={name!r}")
        pid = stack.enter_context(_process(argv, ready, log, name))
        yield Running(name, url, pid, log)
