"""Generate: values that validate against a schema, seeded, realistic by property name."""

from __future__ import annotations

__all__: list[str] = []
