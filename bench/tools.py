"""Finding the external tools: wrk, node/npm, Prism (fetched into a cache folder) and py-spy.

Nothing is installed silently except Prism, which npm fetches into ``.cache/prism`` when npm is
present; the caller prints a note when that happens.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.errors import ToolMissing
from bench.npm import find_npm, installed_package, npm_install

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


def ensure_prism(prefix: Path, *, major: int) -> PrismInstall:
    """Prism ``major``.x from ``prefix``, fetched there with npm when it is not yet installed.

    Raises:
        ToolMissing: node or npm is absent, or npm could not install the package (the message
            carries npm's last lines).
    """
    if installed_package(prefix, PRISM_PACKAGE, str(major)) is None and (
        find_npm() is None or shutil.which("node") is None
    ):
        raise ToolMissing(NODE_MISSING)
    package = npm_install(
        prefix, PRISM_PACKAGE, str(major), purpose=f"the Prism {major} contender is skipped"
    )
    executable = prefix / "node_modules" / ".bin" / "prism"
    if not executable.exists():
        raise ToolMissing(
            f"{PRISM_PACKAGE} {package.version} is in {prefix} but {executable} is missing; "
            f"delete {prefix} so that it is fetched again"
        )
    return PrismInstall(executable=executable, version=package.version, fetched=package.fetched)
