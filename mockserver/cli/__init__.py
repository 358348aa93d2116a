"""The ``mockserver`` command line: a thin layer over the library."""

from __future__ import annotations

__all__: list[str] = []
