"""What rendering asks of the layers that build it: a generator and a validator of schemas.

The engine hands the responder and the problem renderer these two callables, so rendering
needs neither the generation package's classes nor the validators' registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

__all__ = ["Generate", "Validate"]

Validate = Callable[[Mapping[str, Any] | bool, str], Callable[[Any], bool]]


class Generate(Protocol):
    """Generates a value for a schema, seeded by ``key``; with ``notes``, best effort.

    With ``notes`` a schema no value satisfies gets the closest value instead of an error,
    and its pointer is appended to ``notes``. ``query`` is the request's query (declared
    defaults filled in) when an answer to a request is generated: a page honours it.
    """

    def __call__(
        self,
        schema: Mapping[str, Any] | bool,
        key: str,
        notes: list[str] | None = None,
        pointer: str | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Any: ...
