"""The harness's one exception tree.

BenchError                 anything that stops a contender, scenario or measurement
├── ToolMissing            wrk, node/npm or py-spy is not installed; the message says how to get it
└── ServerFailed           a contender did not start, did not answer, or died during a run
"""

from __future__ import annotations

__all__ = ["BenchError", "ServerFailed", "ToolMissing"]


class BenchError(Exception):
    """Root of the harness's errors: the message says what failed, where, and how to fix it."""


class ToolMissing(BenchError):
    """Raised when an external tool the harness needs is absent; it installs nothing silently."""


class ServerFailed(BenchError):
    """Raised when a contender's process does not become ready or exits during a measurement."""
