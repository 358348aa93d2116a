"""Build script for the one part ``pyproject.toml`` cannot say: the optional compiled build.

The package is plain Python. With ``MOCKSERVER_COMPILE=1`` (``make compiled`` sets it), the
modules every request passes through are also compiled with mypyc, as black and mypy ship
theirs: the same source, type-checked by ``mypy --strict``, becomes C extension modules that
skip the interpreter's dispatch. Everything else (start-up, generation, the CLI) stays Python.
The tests run the source (the fast tier, for coverage) and the compiled build (the slow tier).
"""

from __future__ import annotations

import os
import sys

from setuptools import setup

# The request path (ARCHITECTURE.md): route -> authenticate -> validate -> state -> render.
COMPILED = (
    "mockserver/auth/authenticate.py",
    "mockserver/auth/credentials.py",
    "mockserver/auth/logins.py",
    "mockserver/auth/ownership.py",
    "mockserver/auth/tokens.py",
    "mockserver/compile/answers.py",
    "mockserver/compile/expressions.py",
    "mockserver/compile/routing.py",
    "mockserver/render/responses.py",
    "mockserver/server/engine.py",
    "mockserver/server/faults.py",
    "mockserver/server/scenarios.py",
    "mockserver/server/shortcut.py",
    "mockserver/server/wire.py",
    "mockserver/state/accounts.py",
    "mockserver/state/changes.py",
    "mockserver/state/context.py",
    "mockserver/state/crud.py",
    "mockserver/state/mock.py",
    "mockserver/state/records.py",
    "mockserver/store/journal.py",
    "mockserver/store/memory.py",
    "mockserver/validation/bodies.py",
    "mockserver/validation/parameters.py",
    "mockserver/validation/request.py",
)

# Only the build itself compiles: preparing the metadata (``dist_info``) needs no extensions, and
# mypycify type-checks the whole request path each time it is called.
if os.environ.get("MOCKSERVER_COMPILE") == "1" and {"bdist_wheel", "build_ext"} & set(sys.argv):
    from mypyc.build import mypycify

    setup(
        ext_modules=mypycify(list(COMPILED), opt_level="3"),
        options={"build_ext": {"parallel": os.cpu_count() or 1}},
    )
else:
    setup()
