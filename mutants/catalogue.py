"""The fault catalogue: small patches to ``provider/`` a backend team could ship.

Faults are data, in ``mutants/faults/*.yaml`` (one file per category family). Each fault has an
``id``, a ``category`` (`CATEGORIES`), a one-line ``description`` and ``edits``: exact ``old`` ->
``new`` replacements in one file under ``provider/``. A block's ``indent`` (spaces) is prefixed to
every non-empty line of both texts, so code sits flush in the YAML. Every ``old`` must occur
exactly once in the current file (`check_fault`), so the catalogue cannot rot silently when the
provider changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mutants.errors import CatalogueError

__all__ = [
    "CATEGORIES",
    "FAULTS_DIR",
    "Edit",
    "Fault",
    "apply_fault",
    "check_fault",
    "load_catalogue",
    "select",
]

FAULTS_DIR = Path(__file__).resolve().parent / "faults"
# Category slug -> what it stands for (OWASP API Security Top 10, 2023, where one applies).
CATEGORIES: dict[str, str] = {
    "bola": "API1:2023 broken object level authorization",
    "authentication": "API2:2023 broken authentication",
    "exposure": "API3:2023 excessive data exposure",
    "mass-assignment": "API3:2023 mass assignment",
    "consumption": "API4:2023 unrestricted resource consumption",
    "business-flow": "API6:2023 sensitive business flows",
    "contract-shape": "contract shape (status, headers, formats, fields, content types)",
    "semantics": "semantics (computed fields, pagination, filters, search)",
    "webhooks": "webhook delivery (signatures, retries, recipients, payloads)",
}
_ID = re.compile(r"[a-z][a-z0-9-]{2,63}")


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``old`` (which must occur exactly once) by ``new`` in ``file``."""

    file: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Fault:
    """One realistic provider bug."""

    id: str
    category: str
    description: str
    edits: tuple[Edit, ...]

    @property
    def files(self) -> tuple[str, ...]:
        """The files this fault touches, in first-edit order."""
        return tuple(dict.fromkeys(edit.file for edit in self.edits))


def load_catalogue(directory: Path = FAULTS_DIR) -> tuple[Fault, ...]:
    """Every fault of ``directory/*.yaml``, in file then declaration order."""
    faults: list[Fault] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise CatalogueError(f"{path.name}: not valid YAML: {error}") from None
        if not isinstance(document, dict) or not isinstance(document.get("faults"), list):
            raise CatalogueError(f"{path.name}: expected a mapping with a `faults` list")
        faults += [
            _fault(entry, f"{path.name}: faults[{i}]") for i, entry in enumerate(document["faults"])
        ]
    seen: set[str] = set()
    for fault in faults:
        if fault.id in seen:
            raise CatalogueError(f"fault id {fault.id!r} is used twice; ids must be unique")
        seen.add(fault.id)
    return tuple(faults)


def select(faults: Iterable[Fault], ids: Iterable[str]) -> tuple[Fault, ...]:
    """The faults named in ``ids`` (catalogue order); ``CatalogueError`` for an unknown id."""
    wanted = list(dict.fromkeys(ids))
    by_id = {fault.id: fault for fault in faults}
    unknown = [ident for ident in wanted if ident not in by_id]
    if unknown:
        raise CatalogueError(
            f"expected fault ids of the catalogue, got unknown {', '.join(unknown)}; "
            "`python -m mutants --list` shows them"
        )
    return tuple(fault for fault in by_id.values() if fault.id in wanted)


def apply_fault(fault: Fault, sources: Mapping[str, str]) -> dict[str, str]:
    """The patched text of each file ``fault`` touches, from ``sources`` (file -> text)."""
    patched = {file: sources[file] for file in fault.files}
    for edit in fault.edits:
        text = patched[edit.file]
        count = text.count(edit.old)
        if count != 1:
            raise CatalogueError(
                f"{fault.id}: expected the `old` text once in {edit.file}, found it {count} times; "
                f"update the fault to the current provider: {edit.old[:120]!r}"
            )
        patched[edit.file] = text.replace(edit.old, edit.new)
    return patched


def check_fault(fault: Fault, root: Path) -> list[str]:
    """What is wrong with ``fault`` against ``root/provider`` (empty when it applies cleanly).

    Each ``old`` must occur exactly once in the unpatched file too (not only after the edits
    before it), and every patched module must still compile.
    """
    problems: list[str] = []
    sources: dict[str, str] = {}
    for file in fault.files:
        path = root / file
        if not path.is_file():
            problems.append(f"{fault.id}: {file} does not exist")
            continue
        sources[file] = path.read_text(encoding="utf-8")
    if problems:
        return problems
    for edit in fault.edits:
        count = sources[edit.file].count(edit.old)
        if count != 1:
            problems.append(
                f"{fault.id}: `old` occurs {count} times in {edit.file}, expected once: "
                f"{edit.old[:120]!r}"
            )
    if problems:
        return problems
    try:
        patched = apply_fault(fault, sources)
    except CatalogueError as error:
        return [str(error)]
    for file, text in patched.items():
        if text == sources[file]:
            problems.append(f"{fault.id}: the edits leave {file} unchanged")
        try:
            compile(text, file, "exec")
        except SyntaxError as error:
            problems.append(f"{fault.id}: {file} no longer compiles: {error}")
    return problems


def _fault(entry: Any, where: str) -> Fault:
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: expected a mapping, got {type(entry).__name__}")
    ident, category = entry.get("id"), entry.get("category")
    if not isinstance(ident, str) or not _ID.fullmatch(ident):
        raise CatalogueError(f"{where}: expected an id like `bola-project-read`, got id={ident!r}")
    if category not in CATEGORIES:
        raise CatalogueError(
            f"{where} ({ident}): expected a category among {', '.join(CATEGORIES)}, "
            f"got category={category!r}"
        )
    description = entry.get("description")
    if not isinstance(description, str) or not description.strip():
        raise CatalogueError(f"{where} ({ident}): expected a one-line description")
    edits = entry.get("edits")
    if not isinstance(edits, list) or not edits:
        raise CatalogueError(f"{where} ({ident}): expected a non-empty list of edits")
    return Fault(
        ident,
        category,
        " ".join(description.split()),
        tuple(_edit(e, f"{where} ({ident}) edits[{i}]") for i, e in enumerate(edits)),
    )


def _edit(entry: Any, where: str) -> Edit:
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: expected a mapping with file, old and new")
    file, old, new = entry.get("file"), entry.get("old"), entry.get("new")
    indent = entry.get("indent", 0)
    if not isinstance(file, str) or not file.startswith("provider/") or ".." in file:
        raise CatalogueError(f"{where}: expected a file under provider/, got file={file!r}")
    if not isinstance(old, str) or not old or not isinstance(new, str):
        raise CatalogueError(f"{where}: expected a non-empty `old` and a `new` text")
    if isinstance(indent, bool) or not isinstance(indent, int) or indent < 0:
        raise CatalogueError(f"{where}: expected indent to be spaces (>= 0), got indent={indent!r}")
    old, new = _indented(old, indent), _indented(new, indent)
    if old == new:
        raise CatalogueError(f"{where}: `old` and `new` are the same text")
    return Edit(file, old, new)


def _indented(text: str, indent: int) -> str:
    if not indent:
        return text
    pad = " " * indent
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))
