"""The benchmark harness: our mock against Prism and a bare-Starlette ceiling, under wrk.

Run it with ``make bench`` (or ``python -m bench --help``). Modules follow the data flow:
``tools``, ``npm`` and ``contenders`` find and start the servers, ``scenarios`` and ``wrk``
load them, ``memory``, ``startup``, ``realworld``, ``checks`` and ``profile`` measure the rest,
``targets`` judges, and ``report`` and ``chart`` write the table, the JSON and the PNG.
"""

from __future__ import annotations

from bench.errors import BenchError, ServerFailed, ServerTimedOut, ToolMissing
from bench.results import RESULT_KEYS, Results
from bench.runner import Options, run

__all__ = [
    "RESULT_KEYS",
    "BenchError",
    "Options",
    "Results",
    "ServerFailed",
    "ServerTimedOut",
    "ToolMissing",
    "run",
]
