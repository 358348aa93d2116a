"""A throwaway ``redis-server`` for tests: loopback, a free port, a temp dir, nothing saved.

Started by the tests themselves (never a system service); when the binary is missing the
tests that need it are skipped with the reason, and ``.ci/run`` installs it so CI never skips.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from tests.ports import free_port

__all__ = ["RedisServer", "redis_server"]

MISSING = (
    "redis-server is not installed: `apt-get install redis-server` (.ci/run installs it, so CI "
    "runs these tests)"
)


class RedisServer:
    """One running ``redis-server``; `url` hands each caller a fresh key prefix."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.port = free_port()
        self.address = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(directory),
             "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                output = self.stop()
                raise RuntimeError(f"redis-server did not start:\n{output}")
            time.sleep(0.02)

    def _answers(self) -> bool:
        client = redis.Redis(host="127.0.0.1", port=self.port)
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False
        finally:
            client.close()

    def prefix(self) -> str:
        """A key prefix no other test uses, so tests share the server without resets."""
        return f"test-{uuid.uuid4().hex[:12]}:"

    def url(self, prefix: str | None = None) -> str:
        """The ``--state-url`` of a fresh namespace (or of ``prefix``)."""
        return f"{self.address}?prefix={prefix or self.prefix()}"

    def stop(self) -> str:
        """Stop the server; its output."""
        self.process.terminate()
        output, _ = self.process.communicate(timeout=10)
        return output.decode(errors="replace")


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A running server for the block; skips the test when redis-server is not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(MISSING)
    with tempfile.TemporaryDirectory(prefix="mockserver-redis-") as directory:
        server = RedisServer(binary, Path(directory))
        try:
            yield server
        finally:
            server.stop()
