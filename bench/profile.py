"""Sampling our mock with py-spy during a scenario, and reading hot spots out of the samples.

py-spy's ``raw`` format is one collapsed stack per line (``frame;frame;... count``, each frame
``function (path:line)``), which is easy to aggregate without any extra tool.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HotSpot", "hot_spots", "layer_shares", "start_py_spy"]

# The process's entry point sits under every sample; charging time to it says nothing.
ENTRY_MODULES = ("cli.py", "__main__.py")
_FRAME = re.compile(r"^(?P<function>.+?) \((?P<path>[^:()]+):\d+\)$")
LAYERS = ("mockserver", "starlette", "uvicorn", "jsonschema_rs", "orjson", "jwt", "asyncio")


@dataclass(frozen=True)
class HotSpot:
    """A mockserver function and its share of all samples.

    ``own`` counts samples whose innermost mockserver frame is this function (time in it and in
    the library code it calls: uvicorn's socket writes under ``_send``, PyJWT under token
    checks); ``inclusive`` counts samples with it anywhere on the stack.
    """

    where: str  # "mockserver/engine.py:Engine.__call__"
    own: float
    inclusive: float


def start_py_spy(py_spy: str, pid: int, *, duration: float, out: Path) -> subprocess.Popen[bytes]:
    """Start recording ``pid`` for ``duration`` seconds into ``out`` (raw collapsed stacks)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        py_spy, "record", "--pid", str(pid), "--duration", str(max(1, round(duration))),
        "--format", "raw", "--output", str(out), "--nonblocking",
    ]  # fmt: skip
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _stacks(raw: str) -> list[tuple[list[tuple[str, str]], int]]:
    stacks = []
    for line in raw.splitlines():
        text, _, count = line.rpartition(" ")
        if not text or not count.isdigit():
            continue
        frames = []
        for frame in text.split(";"):
            match = _FRAME.match(frame)
            if match:
                frames.append((match["path"], match["function"]))
        stacks.append((frames, int(count)))
    return stacks


def _module_path(path: str) -> str:
    """``pkg/mod.py`` whether py-spy printed it short or as an absolute path."""
    if "site-packages/" in path:
        return path.rsplit("site-packages/", 1)[1]
    for package in LAYERS:
        marker = f"/{package}/"
        if marker in path:
            return package + "/" + path.rsplit(marker, 1)[1]
    return path.lstrip("/")


def _ours(path: str, package: str) -> str | None:
    relative = _module_path(path)
    if not relative.startswith(package + "/") or relative.endswith(ENTRY_MODULES):
        return None
    return relative


def hot_spots(raw: str, *, package: str = "mockserver", top: int = 12) -> list[HotSpot]:
    """The ``top`` functions of ``package`` by own share of samples."""
    stacks = _stacks(raw)
    total = sum(count for _, count in stacks) or 1
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in stacks:
        names = [
            f"{relative}:{function}"
            for path, function in frames
            if (relative := _ours(path, package)) is not None
        ]
        if names:
            own[names[-1]] += count
        for name in set(names):
            inclusive[name] += count
    return [
        HotSpot(name, round(own[name] / total, 4), round(inclusive[name] / total, 4))
        for name, _ in own.most_common(top)
    ]


def layer_shares(raw: str) -> dict[str, float]:
    """Share of samples by the package of the innermost frame (where the CPU actually was)."""
    stacks = _stacks(raw)
    total = sum(count for _, count in stacks) or 1
    shares: Counter[str] = Counter()
    for frames, count in stacks:
        leaf = _module_path(frames[-1][0]) if frames else ""
        layer = next((name for name in LAYERS if leaf.startswith(f"{name}/")), "other")
        shares[layer] += count
    return {name: round(shares[name] / total, 4) for name in (*LAYERS, "other")}
