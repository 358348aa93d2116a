"""The harness's one exception tree.

BenchError                 anything that stops a contender, scenario or measurement
├── ToolMissing            wrk, node/npm or py-spy is not installed; the message says how to get it
└── ServerFailed           a contender did not start, did not answer, or died during a run
    └── ServerTimedOut     it was still running but had not answered a 2xx within its time-out
"""

from __future__ import annotations

__all__ = ["BenchError", "ServerFailed", "ServerTimedOut", "ToolMissing"]


class BenchError(Exception):
    """Root of the harness's errors: the message says what failed, where, and how to fix it."""


class ToolMissing(BenchError):
    """Raised when an external tool the harness needs is absent; it installs nothing silently."""


class ServerFailed(BenchError):
    """Raised when a contender's process does not become ready or exits during a measurement."""


class ServerTimedOut(ServerFailed):
    """Raised when a contender is alive but has not answered a 2xx within its start-up time-out."""

    def __init__(self, message: str, *, timeout: float) -> None:
        super().__init__(message)
        self.timeout = timeout
