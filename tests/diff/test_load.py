"""`mockserver.diff.load`: a side read from a file or from a git revision, and the errors that
say which side cannot be read and why."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockserver.diff.load import load_side
from mockserver.errors import DiffError
from tests.diff.builders import base

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo: Path, *argv: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *argv],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def make_repo(root: Path) -> Path:
    """A git repository whose ``api/openapi.yaml`` has two commits: the base, then without
    ``/pets`` (tagged ``v1`` and ``v2``)."""
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q")
    spec = root / "api" / "openapi.yaml"
    spec.parent.mkdir()
    document = base()
    spec.write_text(yaml.safe_dump(document))
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "v1")
    _git(root, "tag", "v1")
    del document["paths"]["/pets"]
    spec.write_text(yaml.safe_dump(document))
    _git(root, "commit", "-qam", "v2")
    _git(root, "tag", "v2")
    return root


def test_a_file_is_loaded_bundled_and_normalized(tmp_path: Path) -> None:
    document = base()
    document["openapi"] = "3.0.3"
    (tmp_path / "old.yaml").write_text(yaml.safe_dump(document))
    spec = load_side("old.yaml", cwd=tmp_path)
    assert spec.document["openapi"] == "3.1.0"
    assert "/pets" in spec.document["paths"]


def test_a_file_whose_name_has_a_colon_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "v1:openapi.yaml").write_text(yaml.safe_dump(base()))
    assert load_side("v1:openapi.yaml", cwd=tmp_path).document["info"]["title"] == "diff tests"


@needs_git
def test_a_revision_is_read_with_git(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    assert "/pets" in load_side("v1:api/openapi.yaml", cwd=repo).document["paths"]
    assert "/pets" not in load_side("HEAD:api/openapi.yaml", cwd=repo).document["paths"]


@needs_git
@pytest.mark.parametrize(
    ("source", "said"),
    [
        ("v9:api/openapi.yaml", "v9:api/openapi.yaml: git cannot read it: "),
        ("v1:api/missing.yaml", "v1:api/missing.yaml: git cannot read it: "),
    ],
)
def test_a_bad_revision_or_path_says_so(tmp_path: Path, source: str, said: str) -> None:
    repo = make_repo(tmp_path / "repo")
    with pytest.raises(DiffError, match="git cannot read it") as caught:
        load_side(source, cwd=repo)
    assert str(caught.value).startswith(said)
    assert "git ls-tree -r --name-only REVISION" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("missing.yaml", None, "missing.yaml: no such file (and not REVISION:PATH)"),
        ("bad.yaml", "openapi: [", "bad.yaml: invalid YAML at line 2, column 1"),
        (
            "swagger.yaml",
            "swagger: '2.0'\n",
            "swagger.yaml#/swagger: Swagger 2.0 documents are not",
        ),
        (":x.yaml", None, ":x.yaml: expected a file or REVISION:PATH"),
    ],
)
def test_an_unreadable_file_says_what_is_wrong(
    tmp_path: Path, name: str, content: str | None, said: str
) -> None:
    if content is not None:
        (tmp_path / name).write_text(content)
    with pytest.raises(DiffError) as caught:
        load_side(name, cwd=tmp_path)
    assert str(caught.value).startswith(said)


@needs_git
def test_an_unreadable_document_at_a_revision_is_named_by_its_revision(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "api" / "openapi.yaml").write_text("openapi: [")
    _git(repo, "commit", "-qam", "broken")
    with pytest.raises(DiffError) as caught:
        load_side("HEAD:api/openapi.yaml", cwd=repo)
    assert str(caught.value).startswith("HEAD:api/openapi.yaml: invalid YAML")


def _split_repo(root: Path) -> Path:
    """A repository whose ``api/openapi.yaml`` takes ``User`` from ``api/schemas/user.yaml``
    (which takes ``Name`` from ``api/common/name.yaml``), committed and tagged ``v1``; then
    ``status`` is dropped from user.yaml and name.yaml's maxLength raised in the working tree
    only."""
    make_repo(root)
    api = root / "api"
    document = yaml.safe_load((api / "openapi.yaml").read_text())
    document["components"]["schemas"]["User"] = {"$ref": "./schemas/user.yaml#/User"}
    (api / "openapi.yaml").write_text(yaml.safe_dump(document))
    (api / "schemas").mkdir()
    (api / "common").mkdir()
    user: dict[str, Any] = {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "string"},
            "name": {"$ref": "../common/name.yaml"},
            "status": {"type": "string"},
        },
    }
    (api / "schemas" / "user.yaml").write_text(yaml.safe_dump({"User": user}))
    (api / "common" / "name.yaml").write_text(yaml.safe_dump({"type": "string", "maxLength": 5}))
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "split")
    _git(root, "tag", "-f", "v1")
    del user["properties"]["status"]
    (api / "schemas" / "user.yaml").write_text(yaml.safe_dump({"User": user}))
    (api / "common" / "name.yaml").write_text(yaml.safe_dump({"type": "string", "maxLength": 9}))
    return root


def _user(spec_document: dict[str, Any]) -> dict[str, Any]:
    user: dict[str, Any] = spec_document["x-bundled"]["schemas_user.yaml"]["User"]
    return user


@needs_git
@pytest.mark.parametrize("source", ["v1:api/openapi.yaml", "v1:./openapi.yaml"])
def test_files_a_revision_refers_to_are_read_at_that_revision(tmp_path: Path, source: str) -> None:
    repo = _split_repo(tmp_path / "repo")
    cwd = repo / "api" if source.startswith("v1:./") else repo
    old = load_side(source, cwd=cwd)
    assert "status" in _user(old.document)["properties"]  # v1's user.yaml, not the tree's
    bundled = old.document["x-bundled"]
    assert bundled["common_name.yaml"]["maxLength"] == 5  # and v1's name.yaml
    new = load_side("api/openapi.yaml", cwd=repo)
    assert "status" not in _user(new.document)["properties"]


@needs_git
def test_a_diff_of_a_revision_with_the_tree_sees_changes_in_referenced_files(
    tmp_path: Path,
) -> None:
    from mockserver.diff.operations import diff_specs

    repo = _split_repo(tmp_path / "repo")
    findings = diff_specs(
        load_side("v1:api/openapi.yaml", cwd=repo), load_side("api/openapi.yaml", cwd=repo)
    )
    assert sorted({f.rule for f in findings}) == [
        "response-bound-widened",
        "response-property-removed",
    ]
    unchanged = diff_specs(
        load_side("v1:api/openapi.yaml", cwd=repo), load_side("HEAD:api/openapi.yaml", cwd=repo)
    )
    assert unchanged == []


@needs_git
def test_a_file_missing_at_the_revision_is_named_by_the_revision(tmp_path: Path) -> None:
    repo = _split_repo(tmp_path / "repo")
    _git(repo, "rm", "-q", "--cached", "api/common/name.yaml")
    _git(repo, "commit", "-qm", "untracked name.yaml")  # still in the working tree
    spec = load_side("HEAD:api/openapi.yaml", cwd=repo)  # leniently: the $ref left as it is
    assert "common_name.yaml" not in spec.document["x-bundled"]  # not the working tree's
    [issue] = spec.issues
    said = f"{issue.message}; {issue.hint}"
    assert "points at a missing file HEAD:api/common/name.yaml" in said
    assert "the directory of HEAD:api/schemas/user.yaml" in said
    assert "mockserver-diff-" not in said
