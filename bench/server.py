"""One contender process on loopback: start, wait until it answers, always stop."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from bench.errors import ServerFailed, ServerTimedOut

__all__ = ["Server", "free_port"]


def free_port() -> int:
    """A port the kernel just handed out on 127.0.0.1 (free unless something races for it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """A server process in its own session, ready once ``ready_path`` answers 2xx.

    ``ready_seconds`` is the time from spawning the process to its first successful HTTP
    response: the start-up time a user waits for.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        name: str,
        port: int,
        ready_path: str,
        headers: Mapping[str, str],
        log_path: Path,
        cwd: Path,
        timeout: float = 120.0,
    ) -> None:
        self.argv = list(argv)
        self.name = name
        self.port = port
        self.ready_path = ready_path
        self.headers = dict(headers)
        self.log_path = log_path
        self.cwd = cwd
        self.timeout = timeout
        self.ready_seconds = 0.0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None, "the server is not running"
        return self._process.pid

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Spawn the process and block until it answers, or raise `ServerFailed`."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            started = time.perf_counter()
            self._process = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends node's children too
            )
        try:
            self._wait_ready(started)
        except BaseException:
            self.stop()
            raise

    def _probe(self) -> int | None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", self.ready_path, headers=self.headers)
            response = connection.getresponse()
            response.read()
            return response.status
        except OSError:
            return None
        finally:
            connection.close()

    def _wait_ready(self, started: float) -> None:
        deadline = started + self.timeout
        last: int | None = None
        while time.perf_counter() < deadline:
            self.check_alive()
            last = self._probe()
            if last is not None and 200 <= last < 300:
                self.ready_seconds = time.perf_counter() - started
                return
            time.sleep(0.005)
        raise ServerTimedOut(
            f"{self.name} did not answer GET {self.ready_path} with a 2xx within "
            f"{self.timeout:.0f} s (last status: {last}); its output ends with:\n{self.log_tail()}",
            timeout=self.timeout,
        )

    def check_alive(self) -> None:
        """Raise `ServerFailed` when the process has exited."""
        if self._process is not None and self._process.poll() is not None:
            raise ServerFailed(
                f"{self.name} exited with code {self._process.returncode} "
                f"(`{' '.join(self.argv)}`); its output ends with:\n{self.log_tail()}"
            )

    def log_tail(self, lines: int = 8) -> str:
        """The last lines the process printed."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no output)"
        return "\n".join(text.strip().splitlines()[-lines:]) or "(no output)"

    def stop(self) -> None:
        """Terminate the process group, escalating to SIGKILL after 10 s."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass
