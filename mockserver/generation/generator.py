"""Generate JSON values that validate against OpenAPI 3.1 (JSON Schema 2020-12) schemas.

Generation walks the schema and builds a value that satisfies it by construction; wherever a
choice can go wrong (``oneOf`` overlap, ``not``, ``if``, examples, enum members, realistic
suggestions) the candidate is checked with a compiled ``jsonschema_rs`` validator, and the
finished value is checked once more against the whole schema before it is returned.

Recursion through ``$ref`` terminates because of a small cost model: for every ``$ref`` target
we compute how many nested ``$ref`` expansions its *smallest* value needs (a fixpoint over the
document). Past a recursion depth the generator only makes the cheapest choices, so the
remaining depth strictly decreases; a target whose cost is infinite has no finite value at all
and is reported as a ``GenerationError`` naming its pointer.

The parts, in the order a value is made (modules of this package): `values` walks the
schema (`scalars` for strings and numbers, `patterns` for patterns); `flatten` flattens
``$ref``/``allOf`` (merged by the rules in `all_of`) and derives branches; `candidates`
compiles the validators; `recursion` is the cost model; `schema_view` looks nodes up;
`messages` holds what failures say.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final, Literal

from mockserver.errors import MockServerError
from mockserver.generation import realistic, subjects
from mockserver.generation.candidates import CandidateChecks
from mockserver.generation.closest import closest
from mockserver.generation.flatten import DerivedSchemas
from mockserver.generation.messages import E_FALSE, E_INVALID, FIX_EXAMPLE, generation_error
from mockserver.generation.recursion import RecursionCosts
from mockserver.generation.schema_view import SchemaIndex
from mockserver.generation.values import ExampleMode, ValueBuilder

__all__ = ["DataGenerator"]

Direction = Literal["response", "request"]

_TOP_ATTEMPTS: Final = 4  # whole-value retries when the final validation fails


class DataGenerator:
    """Generates values for the schemas of one OpenAPI document.

    ``document`` is the root every local ``$ref`` resolves against; it must not change after the
    generator is built (results are cached per schema object). ``seed`` makes output
    deterministic per ``(seed, key, schema)``; ``None`` gives fresh values on every call.
    ``examples`` chooses where valid schema ``example``/``examples`` win over generation:
    ``"leaves"`` (scalar values only, and only in the first item of an array: dynamic data that
    still looks like the docs), ``"all"`` (whole objects and arrays too: example-first static
    responses) or ``"none"``. ``max_recursion`` is how often one ``$ref``
    may repeat along a path before only the smallest valid value is generated below it.
    """

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        seed: int | None = None,
        examples: ExampleMode = "leaves",
        max_recursion: int = 2,
    ) -> None:
        if not isinstance(document, Mapping):
            raise TypeError(f"expected a mapping, got document={type(document).__name__}")
        if examples not in ("leaves", "all", "none"):
            raise ValueError(f"expected 'leaves', 'all' or 'none', got examples={examples!r}")
        if max_recursion < 1:
            raise ValueError(f"expected max_recursion >= 1, got max_recursion={max_recursion!r}")
        self.document = document
        self.seed = seed
        self.examples: ExampleMode = examples
        self.max_recursion = max_recursion
        self._index = SchemaIndex(document)
        self._checks = CandidateChecks(self._index)
        self._schemas = DerivedSchemas(self._index, self._checks)
        self._costs = RecursionCosts(self._index)

    def generate(
        self,
        schema: Mapping[str, Any] | bool,
        *,
        key: str = "",
        direction: Direction = "response",
        notes: list[str] | None = None,
        pointer: str | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Any:
        """Return a value valid against ``schema`` (with ``readOnly``/``writeOnly`` applied).

        ``key`` names the value (e.g. ``"GET /pets 200"``) so a seeded generator returns the
        same value for the same key and different values for different keys. ``direction`` is
        ``"response"`` (``writeOnly`` properties never appear) or ``"request"`` (``readOnly``).
        Raises ``GenerationError`` when no value exists, naming the schema pointer; with
        ``notes``, answers the closest value it can build instead and appends there the
        pointer of each schema it could not satisfy. ``pointer`` is where ``schema`` sits in
        the document (for messages), when the caller knows it. ``query`` is the request's
        query parameters: a generated page honours its ``page``/``limit``/``offset``.
        """
        if direction not in ("response", "request"):
            raise ValueError(f"expected 'response' or 'request', got direction={direction!r}")
        # Where the schema sits, for messages: the caller usually knows; finding it out walks
        # the whole document once.
        ptr = f"#{pointer}" if pointer is not None else self._index.pointer_of(schema)
        if schema is False:
            if notes is not None:
                notes.append(ptr)
                return None
            raise generation_error(E_FALSE, ptr, "use a schema that allows a value", key)
        run = ValueBuilder(
            self._schemas,
            self._costs,
            rng=self._rng(key),
            direction=direction,
            key=key,
            examples=self.examples,
            max_recursion=self.max_recursion,
            now=realistic.FIXED_EPOCH if self.seed is not None else datetime.now(UTC),
            notes=notes,
            query=query,
        )
        if ptr.startswith("#"):
            run.stack.append(ptr[1:])  # a component generated directly counts as one level
            run.component = subjects.component_name(ptr[1:])
        if schema is True:
            return run.value(schema, ptr, "")
        if notes is not None:
            try:
                return self._checked(run, schema, ptr, direction, key, notes)
            except MockServerError:  # a schema no validator reads (a $ref through a $ref)
                notes.append(ptr)
                run.notes = None
                return closest(schema) if isinstance(schema, Mapping) else None
        return self._checked(run, schema, ptr, direction, key, notes)

    def _checked(
        self,
        run: ValueBuilder,
        schema: Mapping[str, Any],
        ptr: str,
        direction: Direction,
        key: str,
        notes: list[str] | None,
    ) -> Any:
        self._costs.include_refs(schema)
        check = self._checks.validator(schema, direction)
        for _ in range(_TOP_ATTEMPTS):
            value = run.value(schema, ptr, "")
            if check.is_valid(value):
                return value
        if notes is not None:
            if not notes:  # an inner schema was noted already: that is the one to name
                notes.append(ptr)
            return value
        first = next(iter(check.iter_errors(value)))
        detail = f"{first.message} (at instance path {'/'.join(map(str, first.instance_path))})"
        raise generation_error(E_INVALID.format(error=detail), ptr, FIX_EXAMPLE, key)

    def _rng(self, key: str) -> random.Random:
        if self.seed is None:
            return random.Random()
        # hash() of a str changes with PYTHONHASHSEED; sha256 is the same in every process.
        digest = hashlib.sha256(f"{self.seed}:{key}".encode()).digest()
        return random.Random(int.from_bytes(digest[:16], "big"))
