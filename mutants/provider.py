"""A (patched) provider on loopback: a scratch copy of ``provider/``, started, stopped.

The scratch directory holds a copy of the repository's ``provider/`` with the fault applied,
``openapi/`` linked next to it (the provider reads its spec relative to its package), and a
fresh SQLite database. The server runs with the scratch directory as its working directory and
first on ``PYTHONPATH``, so ``import provider`` finds the copy; ``contracts`` and ``httpguard``
come from the repository.

It is ``python -m provider --port P --test-states`` with one change, made the way the test suite
makes it (``tests/provider/conftest.py``): passwords are hashed with ``CHEAP_PASSWORD_COST``
instead of argon2id's production cost, which halves a verification run. No fault touches
hashing, so the change cannot hide one.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from mutants.catalogue import Fault, apply_fault
from mutants.errors import ProviderStartError

__all__ = ["ROOT", "RunningProvider", "allocate_port", "prepare_scratch", "start_provider"]

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0
# ``python -m provider`` itself, with the test suite's cheap password hashing.
LAUNCHER = """\
import functools, sys
import provider.__main__ as cli
from provider import CHEAP_PASSWORD_COST
cli.create_app = functools.partial(cli.create_app, password_cost=CHEAP_PASSWORD_COST)
sys.exit(cli.main(sys.argv[1:]))
"""

_ports_lock = threading.Lock()
_ports_in_use: set[int] = set()


def allocate_port() -> int:
    """A free loopback port not handed to another provider of this run."""
    with _ports_lock:
        while True:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port: int = sock.getsockname()[1]
            if port not in _ports_in_use:
                _ports_in_use.add(port)
                return port


def release_port(port: int) -> None:
    """Let ``allocate_port`` hand ``port`` out again."""
    with _ports_lock:
        _ports_in_use.discard(port)


def prepare_scratch(fault: Fault | None, scratch: Path, *, root: Path = ROOT) -> None:
    """Copy ``root/provider`` into ``scratch`` and apply ``fault`` (None: the clean provider)."""
    shutil.copytree(
        root / "provider", scratch / "provider", ignore=shutil.ignore_patterns("__pycache__")
    )
    (scratch / "openapi").symlink_to(root / "openapi", target_is_directory=True)
    if fault is None:
        return
    sources = {file: (root / file).read_text(encoding="utf-8") for file in fault.files}
    for file, text in apply_fault(fault, sources).items():
        (scratch / file).write_text(text, encoding="utf-8")


@dataclass
class RunningProvider:
    """A provider process; ``stop`` it (always)."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def state_url(self) -> str:
        return f"{self.url}/_pact/provider-states"

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the server printed."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Terminate (SIGTERM: uvicorn shuts down gracefully), then kill if it lingers."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        release_port(self.port)


def start_provider(scratch: Path, *, root: Path = ROOT) -> RunningProvider:
    """Serve the provider copy in ``scratch`` on a fresh SQLite database; wait for /health."""
    port = allocate_port()
    log = scratch / "provider.log"
    database = f"sqlite:///{scratch / 'provider.sqlite3'}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(scratch), str(root)]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-c", LAUNCHER, "--port", str(port), "--test-states"]
    command += ["--database-url", database, "--log-level", "warning"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=scratch, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    provider = RunningProvider(f"http://127.0.0.1:{port}", port, process, log)
    try:
        _wait_until_healthy(provider)
    except ProviderStartError:
        provider.stop()
        raise
    return provider


def _wait_until_healthy(provider: RunningProvider) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    health = f"{provider.url}/api/v1/health"
    while time.monotonic() < deadline:
        if provider.process.poll() is not None:
            raise ProviderStartError(
                f"the provider exited with {provider.process.returncode} before answering "
                f"{health}:\n{provider.log_tail()}"
            )
        try:
            if httpx.get(health, timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise ProviderStartError(f"{health} did not answer 200 within {START_TIMEOUT:.0f} s")
