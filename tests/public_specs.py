"""Finds (installing when needed) the ``@readme/oas-examples`` corpus of public OpenAPI specs."""

from __future__ import annotations

import os
from pathlib import Path

from bench.errors import ToolMissing
from bench.npm import npm_install

__all__ = ["CACHE", "corpus_dir", "corpus_specs"]

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "npm"
PACKAGE = "@readme/oas-examples"
VERSION = "8"


class CorpusUnavailable(Exception):
    """The corpus is not installed and cannot be (no npm, or the registry refused)."""


def corpus_dir() -> Path:
    """The installed package folder, installing it into ``.cache/npm`` on first use."""
    override = os.environ.get("OAS_EXAMPLES_DIR")
    if override:
        return Path(override)
    try:
        package = npm_install(
            CACHE,
            PACKAGE,
            VERSION,
            purpose=f"{PACKAGE} cannot be fetched (or set OAS_EXAMPLES_DIR to a copy of it)",
        )
    except ToolMissing as exc:
        raise CorpusUnavailable(str(exc)) from exc
    return package.folder


def corpus_specs() -> list[Path]:
    """Every OpenAPI 3.x JSON document of the corpus."""
    folder = corpus_dir()
    return sorted([*folder.glob("3.0/json/*.json"), *folder.glob("3.1/json/*.json")])
