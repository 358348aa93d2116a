"""Resident memory of a server's process tree, read from ``/proc`` (Linux)."""

from __future__ import annotations

import threading
from pathlib import Path

__all__ = ["RssSampler", "process_tree", "tree_rss_bytes", "vm_hwm_bytes"]


def _status_kib(pid: int, field: str) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return 0  # the process has exited
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (node may fork workers)."""
    found = [pid]
    index = 0
    while index < len(found):
        parent = found[index]
        index += 1
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                found.extend(int(child) for child in task.read_text(encoding="utf-8").split())
            except OSError:
                continue
    return found


def tree_rss_bytes(pid: int) -> int:
    """Current resident set of ``pid`` and its descendants."""
    return sum(_status_kib(each, "VmRSS") for each in process_tree(pid)) * 1024


def vm_hwm_bytes(pid: int) -> int:
    """Peak resident set of the single process ``pid`` since it started (VmHWM)."""
    return _status_kib(pid, "VmHWM") * 1024


class RssSampler:
    """Samples the tree's RSS on a thread; ``peak`` also folds in the root's exact VmHWM."""

    def __init__(self, pid: int, *, interval: float = 0.2) -> None:
        self._pid = pid
        self._interval = interval
        self._stop = threading.Event()
        self._peak = 0
        self._thread = threading.Thread(target=self._run, name=f"rss-{pid}", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._peak = max(self._peak, tree_rss_bytes(self._pid), vm_hwm_bytes(self._pid))
            self._stop.wait(self._interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._peak = max(self._peak, tree_rss_bytes(self._pid), vm_hwm_bytes(self._pid))

    @property
    def peak(self) -> int:
        """Peak bytes seen so far."""
        return self._peak
