"""Read one side of a diff: a file, or a file at a git revision (``main:openapi/openapi.yaml``).

Either way the document is loaded by `mockserver.spec.loader.load_spec`, so local ``$ref``s are
bundled and OpenAPI 3.0 schemas read as 3.1 ones: a diff of a 3.0 document against its 3.1
translation compares what they mean. Whatever cannot be read raises `DiffError` naming the
side and how to fix it.
"""

from __future__ import annotations

import os
import posixpath
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from mockserver.errors import DiffError, SpecError
from mockserver.spec.files import read_spec_file
from mockserver.spec.loader import Spec, load_spec

__all__ = ["load_side"]

_GIT_TIMEOUT = 30.0  # seconds for one `git show`
_SPEC_FILES = (".yaml", ".yml", ".json")  # discriminator mapping values naming other files
# A $ref whose value does not start with '#' (JSON or YAML, quoted or not), or a mapping:
# what may name another file. A text without either is not parsed for references.
_MAY_NAME_FILES = re.compile(rb"""\$ref["']?\s*:\s*["']?[^#"'\s]|mapping""")


def load_side(source: str, *, cwd: str | os.PathLike[str] | None = None) -> Spec:
    """The document ``source`` names: a file path, else ``REVISION:PATH`` read with git.

    A path that exists is a file even when it contains a colon. ``PATH`` of a revision is
    relative to the repository's root (as ``git show`` reads it; ``REV:./PATH`` is relative to
    ``cwd``). The files its ``$ref``s name are read at the same revision, never from the
    working tree (`_checkout`).
    """
    base = Path(cwd) if cwd is not None else Path.cwd()
    path = base / source
    if path.is_file() or ":" not in source:
        return _load(path, source)
    revision, _, inside = source.partition(":")
    if not revision or not inside:
        raise DiffError(
            f"{source}: expected a file or REVISION:PATH (e.g. main:openapi/openapi.yaml)"
        )
    with tempfile.TemporaryDirectory(prefix="mockserver-diff-") as scratch:
        copy = _checkout(revision, _from_root(inside, base), base, Path(scratch))

        def named(text: str) -> str:  # the scratch copies named as REVISION:PATH
            return text.replace(str(copy), source).replace(f"{scratch}/", f"{revision}:")

        try:
            spec = load_spec(copy, validate=False)
        except SpecError as error:
            raise DiffError(named(str(error))) from None
    issues = tuple(
        replace(issue, message=named(issue.message), hint=named(issue.hint))
        for issue in spec.issues
    )
    return replace(spec, source=source, issues=issues)


def _from_root(inside: str, cwd: Path) -> str:
    """``REV:./a.yaml`` names a path relative to ``cwd``: the same path from the root."""
    if not inside.startswith(("./", "../")):
        return inside
    prefix = _git(["rev-parse", "--show-prefix"], cwd, f"{inside}").decode().strip()
    return posixpath.normpath(posixpath.join(prefix, inside))


def _checkout(revision: str, inside: str, cwd: Path, scratch: Path) -> Path:
    """Write the document at ``revision`` and every file its ``$ref``s reach (transitively)
    under ``scratch``, each at its path from the repository's root; answer the document's copy.

    A file git does not have at the revision is left out: the bundler then reports the
    ``$ref`` that points at it, named by the revision.
    """
    wanted, written = [inside], set[str]()
    while wanted:
        path = wanted.pop()
        if path in written:
            continue
        written.add(path)
        source = f"{revision}:{path}"
        try:
            text = _git(["show", source], cwd, source)
        except DiffError:
            if path == inside:
                raise
            continue
        copy = scratch / path
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(text)
        if not _MAY_NAME_FILES.search(text):
            continue  # only local $refs: no need to parse it twice (13 MB take seconds as YAML)
        try:
            content = read_spec_file(copy, source)
        except SpecError:
            continue  # the loader reports it, for the document or for the $ref reaching it
        folder = posixpath.dirname(path)
        for target in _files_referenced(content):
            joined = posixpath.normpath(posixpath.join(folder, target))
            if not joined.startswith("../"):  # outside the repository: not at the revision
                wanted.append(joined)
    return scratch / inside


def _files_referenced(node: Any) -> Iterator[str]:
    """The relative file paths of the ``$ref``s (and discriminator mappings) in ``node``."""
    stack = [node]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and (key == "$ref" or value.endswith(_SPEC_FILES)):
                    parts = urlsplit(value.partition("#")[0])
                    if parts.path and not parts.scheme and not parts.netloc:
                        yield unquote(parts.path)
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


def _load(path: Path, source: str) -> Spec:
    if not path.exists():
        raise DiffError(
            f"{source}: no such file (and not REVISION:PATH); check the path, relative to "
            f"{path.parent if path.is_absolute() else Path.cwd()}"
        )
    try:
        return load_spec(path, validate=False)
    except SpecError as error:
        raise DiffError(str(error).replace(str(path), source)) from None


def _git(argv: list[str], cwd: Path, source: str) -> bytes:
    try:
        done = subprocess.run(
            ["git", *argv],
            cwd=cwd,
            capture_output=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise DiffError(f"{source}: reading a git revision needs git on PATH") from None
    except subprocess.TimeoutExpired:
        raise DiffError(f"{source}: git {argv[0]} took over {_GIT_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = said[-1].removeprefix("fatal: ") if said else f"exit {done.returncode}"
        raise DiffError(
            f"{source}: git cannot read it: {reason}; name an existing revision and a path "
            "from the repository's root (git ls-tree -r --name-only REVISION lists them)"
        )
    return done.stdout
