"""Load: read a document's files, bundle its ``$ref``s, validate it, normalize it to 3.1; lint."""

from __future__ import annotations

__all__: list[str] = []
