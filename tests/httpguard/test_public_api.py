"""httpguard's surface: its exported names, a docstring and ``__all__`` per module, its imports."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

import httpguard

PACKAGE = Path(httpguard.__file__).parent
MODULES = sorted(path for path in PACKAGE.glob("*.py"))
# What httpguard may import besides the standard library and itself.
ALLOWED_THIRD_PARTY = {"uvicorn", "starlette"}


def test_public_api_exports_exactly_these_names() -> None:
    assert sorted(httpguard.__all__) == [
        "BODY",
        "CoalescingHttpToolsProtocol",
        "DEFAULT_HOST_PATTERNS",
        "DeliveryPolicy",
        "EgressPolicyError",
        "GuardError",
        "GuardedHttpToolsProtocol",
        "HEADER_DICT",
        "HostPolicy",
        "INVALID_HEADER_VALUE",
        "Limits",
        "LimitsError",
        "REFUSAL_CODES",
        "Refusals",
        "RequestLimits",
        "UVICORN_HOOKS",
        "UnsupportedUvicornError",
        "add_limit_options",
        "json_depth_exceeds",
        "limits_from_args",
        "missing_hooks",
        "positive_number",
        "uvicorn_options",
        "write_whole",
    ]


def test_public_api_names_all_resolve() -> None:
    for name in httpguard.__all__:
        assert getattr(httpguard, name) is not None


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_every_module_has_a_docstring_and_all(path: Path) -> None:
    module = importlib.import_module(f"httpguard.{path.stem}".removesuffix(".__init__"))
    assert module.__doc__
    assert isinstance(module.__all__, list)
    for name in module.__all__:
        assert hasattr(module, name), f"{path.name}: __all__ names {name}, which is not there"


def _imported_packages(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_httpguard_imports_only_the_stdlib_uvicorn_and_starlette(path: Path) -> None:
    imported = _imported_packages(path)
    assert not imported & {"mockserver", "provider", "contracts", "fuzzing", "bench", "soak"}
    foreign = imported - sys.stdlib_module_names - ALLOWED_THIRD_PARTY - {"httpguard"}
    assert not foreign, f"{path.name} imports {sorted(foreign)}"


def test_the_import_scan_sees_imports_anywhere_in_a_module(tmp_path: Path) -> None:
    # The scan must be able to fail: a lazy import inside a function counts too.
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    import mockserver.cli\n    from provider.app import x\n")
    assert _imported_packages(module) == {"mockserver", "provider"}
