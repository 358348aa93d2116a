"""The layer rules of ARCHITECTURE.md, enforced: every import of the packages read from the AST.

A subpackage of ``mockserver`` may import the packages of lower layers and its own modules,
never a package of its own layer or above. `provider/` imports nothing of `mockserver/`;
`mockserver/` imports nothing of `provider/` or `tests/`, and of `contracts/` only the state
definitions. `httpguard/` (when present) imports neither.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Bottom to top; packages on one line are one layer and may not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors",),
    ("spec",),
    ("compile", "store", "generation", "client"),
    ("validation", "render"),
    ("auth",),
    ("state",),
    ("events",),
    ("pact",),
    ("console",),
    ("server",),
    ("conform", "diff", "proxy"),
    ("cli",),
    ("__init__", "__main__"),
)
RANK = {name: rank for rank, layer in enumerate(LAYERS) for name in layer}
# What mockserver/ may import from the repository's other top-level packages.
ALLOWED_OUTSIDE = {"contracts.states", "httpguard"}
OURS = (
    "mockserver",
    "provider",
    "contracts",
    "tests",
    "bench",
    "soak",
    "fuzzing",
    "httpguard",
    "mutants",
)


@dataclass(frozen=True, slots=True)
class Offence:
    """One import against the rules."""

    file: str
    line: int
    imported: str
    rule: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: imports {self.imported}: {self.rule}"


def imports(source: str) -> Iterator[tuple[int, str]]:
    """Every absolute module an import statement names, TYPE_CHECKING and local ones included."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module in OURS:  # `from mockserver import pointer`: the names are modules
                for alias in node.names:
                    yield node.lineno, f"{node.module}.{alias.name}"
            else:
                yield node.lineno, node.module


def layer_of(module: str) -> str:
    """``mockserver.state.crud`` -> ``state``; ``mockserver.errors`` -> ``errors``."""
    return module.split(".")[1] if module.count(".") else "__init__"


def _allowed_outside(module: str) -> bool:
    return module == "mockserver" or any(
        module == allowed or module.startswith(allowed + ".") for allowed in ALLOWED_OUTSIDE
    )


def mockserver_offences(file: str, source: str) -> list[Offence]:
    """The imports of one mockserver module (``file`` relative to the root) against the rules."""
    parts = Path(file).with_suffix("").parts
    here = parts[1] if len(parts) > 1 else "__init__"
    offences = []
    for line, module in imports(source):
        top = module.split(".")[0]
        if top == "mockserver" and module != "mockserver":
            there = layer_of(module)
            if there == here:
                continue
            if there not in RANK:
                offences.append(Offence(file, line, module, "a package no layer lists"))
            elif RANK[there] >= RANK[here]:
                rule = f"{here} (layer {RANK[here]}) may import only lower layers, not {there}"
                offences.append(Offence(file, line, module, rule))
        elif top in OURS and not _allowed_outside(module):
            rule = f"mockserver/ may import only {sorted(ALLOWED_OUTSIDE)} of the repository"
            offences.append(Offence(file, line, module, rule))
    return offences


def independent_offences(file: str, source: str, *, forbidden: tuple[str, ...]) -> list[Offence]:
    """Imports of ``forbidden`` packages in one module of a package that must stay apart."""
    return [
        Offence(file, line, module, f"{Path(file).parts[0]}/ imports nothing of {forbidden}")
        for line, module in imports(source)
        if module.split(".")[0] in forbidden
    ]


def sources(package: str) -> list[tuple[str, str]]:
    """``(path relative to the root, text)`` of every module of ``package``."""
    files = sorted((ROOT / package).rglob("*.py"))
    return [(str(f.relative_to(ROOT)), f.read_text(encoding="utf-8")) for f in files]


def test_every_mockserver_package_has_a_layer() -> None:
    packages = {p.name for p in (ROOT / "mockserver").iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in (ROOT / "mockserver").glob("*.py")}
    assert packages | modules == set(RANK)


def test_mockserver_imports_follow_the_layers() -> None:
    offences = [o for f, s in sources("mockserver") for o in mockserver_offences(f, s)]
    assert not offences, "\n".join(map(str, offences))


def test_provider_imports_nothing_of_the_mock() -> None:
    forbidden = ("mockserver", "tests", "bench", "soak", "fuzzing", "mutants")
    offences = [
        o for f, s in sources("provider") for o in independent_offences(f, s, forbidden=forbidden)
    ]
    assert not offences, "\n".join(map(str, offences))


def test_mutants_run_the_servers_and_detectors_as_commands_never_import_them() -> None:
    # A fault is applied to a scratch copy that a subprocess imports; importing provider/ or
    # mockserver/ here would run the unpatched code in the harness's own process.
    forbidden = ("mockserver", "provider", "fuzzing", "tests")
    offences = [
        o for f, s in sources("mutants") for o in independent_offences(f, s, forbidden=forbidden)
    ]
    assert not offences, "\n".join(map(str, offences))


def test_contracts_import_neither_server() -> None:
    forbidden = ("mockserver", "provider", "tests")
    offences = [
        o for f, s in sources("contracts") for o in independent_offences(f, s, forbidden=forbidden)
    ]
    assert not offences, "\n".join(map(str, offences))


@pytest.mark.parametrize(
    ("file", "line", "why"),
    [
        ("mockserver/spec/loader.py", "from mockserver.server.engine import Engine", "spec"),
        ("mockserver/state/crud.py", "from mockserver.events.webhooks import X", "state"),
        ("mockserver/render/problems.py", "import mockserver.validation.request", "render"),
        ("mockserver/compile/routing.py", "from mockserver import cli", "compile"),
        ("mockserver/auth/tokens.py", "from provider.app import create_app", "mockserver/"),
        ("mockserver/state/mock.py", "from contracts.client import PlatformClient", "mockserver/"),
    ],
)
def test_a_planted_wrong_way_import_is_caught(file: str, line: str, why: str) -> None:
    source = (ROOT / file).read_text(encoding="utf-8") + f"\n{line}\n"
    offences = mockserver_offences(file, source)
    assert len(offences) == 1
    assert why in offences[0].rule


def test_a_planted_type_checking_import_is_caught() -> None:
    source = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from mockserver.cli import x\n"
    )
    assert mockserver_offences("mockserver/spec/files.py", source)


def test_imports_of_lower_layers_and_own_package_pass() -> None:
    source = (
        "from mockserver.compile.operations import Operation\n"
        "from mockserver.state.context import Request\n"
        "from mockserver.errors import SpecError\n"
        "import contracts.states\n"
    )
    assert mockserver_offences("mockserver/state/crud.py", source) == []


def test_a_planted_mock_import_in_the_provider_is_caught() -> None:
    source = "from mockserver.server.engine import Engine\n"
    assert independent_offences("provider/app.py", source, forbidden=("mockserver",))


def test_architecture_md_states_these_layers() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    stated = " < ".join(" ".join(layer) for layer in LAYERS[:-1])
    assert stated in text, f"ARCHITECTURE.md should state the layers as: {stated}"


# Small modules, one concept each: a module past this many lines holds more than one.
MAX_MODULE_LINES = 450


def oversized(root: Path, base: Path = ROOT) -> list[str]:
    """The modules under ``root`` over the limit, each named from ``base``, with its length."""
    found = []
    for path in sorted(root.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{path.relative_to(base)}: {lines} lines")
    return found


# Every package shipped or run from the checkout; tests/ may hold longer modules (a test module
# follows the module it tests, one case after another).
@pytest.mark.parametrize(
    "package", ["mockserver", "provider", "httpguard", "contracts", "fuzzing", "bench", "mutants"]
)
def test_no_module_is_over_the_line_limit(package: str) -> None:
    assert oversized(ROOT / package) == []


def test_a_planted_long_module_is_caught(tmp_path: Path) -> None:
    (tmp_path / "short.py").write_text("x = 1\n" * MAX_MODULE_LINES)
    (tmp_path / "long.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1))
    assert oversized(tmp_path, base=tmp_path) == [f"long.py: {MAX_MODULE_LINES + 1} lines"]
