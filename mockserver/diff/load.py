"""Read one side of a diff: a file, or a file at a git revision (``main:openapi/openapi.yaml``).

Either way the document is loaded by `mockserver.spec.loader.load_spec`, so local ``$ref``s are
bundled and OpenAPI 3.0 schemas read as 3.1 ones: a diff of a 3.0 document against its 3.1
translation compares what they mean. Whatever cannot be read raises `DiffError` naming the
side and how to fix it.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from mockserver.errors import DiffError, SpecError
from mockserver.spec.loader import Spec, load_spec

__all__ = ["load_side"]

_GIT_TIMEOUT = 30.0  # seconds for one `git show`


def load_side(source: str, *, cwd: str | os.PathLike[str] | None = None) -> Spec:
    """The document ``source`` names: a file path, else ``REVISION:PATH`` read with git.

    A path that exists is a file even when it contains a colon. ``PATH`` of a revision is
    relative to the repository's root (as ``git show`` reads it; ``REV:./PATH`` is relative to
    ``cwd``). External ``$ref``s of a document read at a revision are not followed yet.
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
    text = _git_show(source, base)
    with tempfile.TemporaryDirectory(prefix="mockserver-diff-") as scratch:
        copy = Path(scratch) / Path(inside).name
        copy.write_bytes(text)
        try:
            return load_spec(copy, validate=False)
        except SpecError as error:
            raise DiffError(str(error).replace(str(copy), source)) from None


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


def _git_show(source: str, cwd: Path) -> bytes:
    try:
        done = subprocess.run(
            ["git", "show", source],
            cwd=cwd,
            capture_output=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise DiffError(f"{source}: reading a git revision needs git on PATH") from None
    except subprocess.TimeoutExpired:
        raise DiffError(f"{source}: git show took over {_GIT_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = said[-1].removeprefix("fatal: ") if said else f"exit {done.returncode}"
        raise DiffError(
            f"{source}: git cannot read it: {reason}; name an existing revision and a path "
            "from the repository's root (git ls-tree -r --name-only REVISION lists them)"
        )
    return done.stdout
