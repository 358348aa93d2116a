"""Finding the external tools: wrk, node/npm, Prism (fetched into a cache folder) and py-spy.

Nothing is installed silently except Prism, which npm fetches into ``.cache/prism`` when npm is
present; the caller prints a note when that happens.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.errors import ToolMissing

__all__ = [
    "NODE_MISSING",
    "PY_SPY_MISSING",
    "WRK_MISSING",
    "PrismInstall",
    "command_version",
    "ensure_prism",
    "find_py_spy",
    "find_wrk",
    "venv_script",
]

WRK_MISSING = (
    "wrk is not installed: every throughput scenario is skipped. "
    "Install it with `apt-get update && apt-get install -y wrk` (Debian/Ubuntu)."
)
NODE_MISSING = (
    "node/npm are not installed: the Prism contender is skipped. "
    "Install them with `apt-get install -y nodejs npm`; the harness then fetches Prism itself."
)
PY_SPY_MISSING = (
    "py-spy is not installed: profiling is skipped. Install it with `pip install py-spy`."
)

PRISM_PACKAGE = "@stoplight/prism-cli"


@dataclass(frozen=True)
class PrismInstall:
    """A Prism CLI installed under a cache folder."""

    executable: Path
    version: str
    fetched: bool  # npm ran in this invocation (the report says so)

    @property
    def major(self) -> int:
        return int(self.version.split(".", 1)[0])


def find_wrk() -> str | None:
    """The wrk executable on PATH, if any."""
    return shutil.which("wrk")


def venv_script(name: str) -> str | None:
    """A console script of the running interpreter's environment, else one on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.is_file():
        return str(candidate)
    return shutil.which(name)


def find_py_spy() -> str | None:
    """py-spy from the virtualenv or PATH, if any."""
    return venv_script("py-spy")


def command_version(argv: list[str]) -> str | None:
    """The first line a ``--version``-style command prints, or None when it cannot run."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else None


def _installed_prism(prefix: Path) -> PrismInstall | None:
    executable = prefix / "node_modules" / ".bin" / "prism"
    manifest = prefix / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    if not (executable.exists() and manifest.is_file()):
        return None
    version = str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
    return PrismInstall(executable=executable, version=version, fetched=False)


def ensure_prism(prefix: Path, *, major: int) -> PrismInstall:
    """Prism ``major``.x from ``prefix``, fetched there with npm when it is not yet installed.

    Raises:
        ToolMissing: node or npm is absent, or npm could not install the package (the message
            carries npm's last lines).
    """
    installed = _installed_prism(prefix)
    if installed is not None and installed.major == major:
        return installed
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise ToolMissing(NODE_MISSING)
    prefix.mkdir(parents=True, exist_ok=True)
    argv = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund"]
    argv.append(f"{PRISM_PACKAGE}@{major}")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    installed = _installed_prism(prefix)
    if done.returncode != 0 or installed is None:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise ToolMissing(
            f"`{' '.join(argv)}` failed (exit {done.returncode}); the Prism {major} contender "
            f"is skipped. npm said:\n{tail}"
        )
    return PrismInstall(executable=installed.executable, version=installed.version, fetched=True)
