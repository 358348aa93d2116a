"""Finds (installing when needed) the ``@readme/oas-examples`` corpus of public OpenAPI specs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

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
    folder = CACHE / "node_modules" / PACKAGE
    if (folder / "package.json").is_file():
        return folder
    npm = shutil.which("npm")
    if npm is None:
        raise CorpusUnavailable(
            f"npm is not installed, so {PACKAGE} cannot be fetched; "
            "install Node's npm (apt-get install npm) or set OAS_EXAMPLES_DIR"
        )
    CACHE.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [npm, "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", f"{PACKAGE}@{VERSION}"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0 or not (folder / "package.json").is_file():
        raise CorpusUnavailable(f"npm install {PACKAGE} failed: {result.stderr.strip()[-500:]}")
    return folder


def corpus_specs() -> list[Path]:
    """Every OpenAPI 3.x JSON document of the corpus."""
    folder = corpus_dir()
    return sorted([*folder.glob("3.0/json/*.json"), *folder.glob("3.1/json/*.json")])
