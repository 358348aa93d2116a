"""The compiled build (setup.py): what it compiles exists, and the slow tier really runs it."""

from __future__ import annotations

import ast
import importlib
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def compiled_modules() -> tuple[str, ...]:
    """The module paths setup.py's ``COMPILED`` lists, read without running setup.py."""
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
            "COMPILED"
        ]:
            value = ast.literal_eval(node.value)
            assert isinstance(value, tuple)
            return tuple(str(path) for path in value)
    raise AssertionError("setup.py has no COMPILED tuple")


def test_every_compiled_module_is_a_module_of_the_mock() -> None:
    paths = compiled_modules()
    assert paths, "setup.py compiles nothing"
    assert len(set(paths)) == len(paths)
    for path in paths:
        assert path.startswith("mockserver/"), path
        assert (ROOT / path).is_file(), f"setup.py compiles {path}, which does not exist"


@pytest.mark.slow
def test_the_slow_tier_runs_the_compiled_build() -> None:
    if os.environ.get("MOCKSERVER_BUILD") != "compiled":
        pytest.skip("`make test-slow` runs the slow tier on the compiled build (make compiled)")
    for path in compiled_modules():
        name = path.removesuffix(".py").replace("/", ".")
        origin = str(importlib.import_module(name).__file__)
        assert origin.endswith(".so"), f"{name} runs from {origin}, not the compiled build"
