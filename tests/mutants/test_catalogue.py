"""The fault catalogue cannot rot: every patch applies once to today's provider/ and compiles."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from mutants.catalogue import (
    CATEGORIES,
    Edit,
    Fault,
    apply_fault,
    check_fault,
    load_catalogue,
    select,
)
from mutants.errors import CatalogueError
from tests.conftest import ROOT

CATALOGUE = load_catalogue()
# Every resource whose objects belong to a user, and the operations the issue names.
BOLA = {
    "project": ("read", "write", "delete", "list"),
    "task": ("read", "write", "delete", "list"),
    "order": ("read", "list"),
    "payment": ("read", "list"),
    "session": ("read", "update", "end", "list"),
}


def test_catalogue_holds_at_least_forty_faults_in_every_category() -> None:
    assert len(CATALOGUE) >= 40
    assert set(Counter(f.category for f in CATALOGUE)) == set(CATEGORIES)


def test_catalogue_breaks_object_level_authorization_of_every_resource() -> None:
    ids = {f.id for f in CATALOGUE}
    missing = [
        f"bola-{noun}-{action}"
        for noun, actions in BOLA.items()
        for action in actions
        if f"bola-{noun}-{action}" not in ids
    ]
    assert not missing


@pytest.mark.parametrize("fault", CATALOGUE, ids=[f.id for f in CATALOGUE])
def test_fault_applies_exactly_once_and_the_patched_module_compiles(fault: Fault) -> None:
    assert check_fault(fault, ROOT) == []


def test_fault_descriptions_are_one_line_and_edits_touch_only_the_provider() -> None:
    for fault in CATALOGUE:
        assert "\n" not in fault.description
        assert all(edit.file.startswith("provider/") for edit in fault.edits)


def write_catalogue(directory: Path, text: str) -> Path:
    (directory / "faults.yaml").write_text(text, encoding="utf-8")
    return directory


FAULT = """\
faults:
  - id: {id}
    category: {category}
    description: A fault.
    edits:
      - file: {file}
        indent: {indent}
        old: |
          x = 1
        new: |
          x = 2
"""
GOOD = {"id": "sem-x", "category": "semantics", "file": "provider/x.py", "indent": 4}


def test_load_catalogue_prefixes_the_indent_to_every_non_empty_line(tmp_path: Path) -> None:
    (fault,) = load_catalogue(write_catalogue(tmp_path, FAULT.format(**GOOD)))
    assert fault.edits == (Edit("provider/x.py", "    x = 1\n", "    x = 2\n"),)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "X"}, "expected an id"),
        ({"category": "typo"}, "expected a category"),
        ({"file": "mockserver/x.py"}, "expected a file under provider/"),
        ({"file": "provider/../x.py"}, "expected a file under provider/"),
        ({"indent": -1}, "expected indent"),
    ],
)
def test_load_catalogue_refuses_a_malformed_fault(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(write_catalogue(tmp_path, FAULT.format(**{**GOOD, **change})))


def test_load_catalogue_refuses_a_duplicate_id(tmp_path: Path) -> None:
    text = FAULT.format(**GOOD) + FAULT.format(**GOOD).removeprefix("faults:\n")
    with pytest.raises(CatalogueError, match="used twice"):
        load_catalogue(write_catalogue(tmp_path, text))


def test_apply_fault_refuses_old_text_that_is_not_there_exactly_once() -> None:
    fault = Fault("sem-x", "semantics", "A fault.", (Edit("provider/x.py", "a", "b"),))
    assert apply_fault(fault, {"provider/x.py": "a c"}) == {"provider/x.py": "b c"}
    for text in ("c", "a a"):
        with pytest.raises(CatalogueError, match="expected the `old` text once"):
            apply_fault(fault, {"provider/x.py": text})


def test_check_fault_reports_rot_and_code_that_no_longer_compiles(tmp_path: Path) -> None:
    (tmp_path / "provider").mkdir()
    (tmp_path / "provider" / "x.py").write_text("x = 1\n", encoding="utf-8")
    rotten = Fault("sem-x", "semantics", "A fault.", (Edit("provider/x.py", "y = 1", "y = 2"),))
    broken = Fault("sem-y", "semantics", "A fault.", (Edit("provider/x.py", "x = 1", "x = ("),))
    assert "occurs 0 times" in check_fault(rotten, tmp_path)[0]
    assert "no longer compiles" in check_fault(broken, tmp_path)[0]


def test_select_keeps_catalogue_order_and_refuses_unknown_ids() -> None:
    first, second = CATALOGUE[0], CATALOGUE[1]
    assert select(CATALOGUE, [second.id, first.id]) == (first, second)
    with pytest.raises(CatalogueError, match="unknown nope"):
        select(CATALOGUE, ["nope"])
