"""What generation reports when no valid value exists: the messages and the error they build."""

from __future__ import annotations

from typing import Final

from mockserver.errors import GenerationError

__all__ = [
    "E_BOUNDS",
    "E_BRANCHES",
    "E_CHECK",
    "E_CYCLE",
    "E_DEPTH",
    "E_ENUM",
    "E_FALSE",
    "E_INVALID",
    "E_MULTIPLE",
    "E_RANGE",
    "E_RECURSIVE",
    "E_REQUIRED_FALSE",
    "E_STRING",
    "E_TOO_FEW",
    "E_TYPES",
    "FIX_BRANCHES",
    "FIX_CONTRADICTION",
    "FIX_EXAMPLE",
    "FIX_RECURSION",
    "generation_error",
]

# Messages: what failed; the pointer and key are added by generation_error, then how to fix it.
E_FALSE: Final = "schema is `false`, so no value is allowed"
E_BOUNDS: Final = "{what} {low} is above {high_name} {high}"
E_RANGE: Final = "no {kind} lies between {low_name} {low} and {high_name} {high}"
E_MULTIPLE: Final = "no {kind} multiple of {step} lies between {low} and {high}"
E_ENUM: Final = "no member of enum/const {members} satisfies the rest of the schema"
E_RECURSIVE: Final = (
    "schema {target} has no finite value: it requires itself (through required properties,"
    " minItems or oneOf/anyOf branches that all recurse) or a `false` schema"
)
E_DEPTH: Final = "$ref nesting deeper than {depth} levels"
E_CYCLE: Final = "$ref/allOf cycle through {target} never reaches a schema"
E_STRING: Final = "could not generate a string for format={fmt!r} pattern={pattern!r}"
E_REQUIRED_FALSE: Final = "required property {name!r} is not allowed by the schema"
E_TOO_FEW: Final = "needs {count} {unit} but only {available} can be produced"
E_BRANCHES: Final = "no {kind} branch produced a valid value"
E_CHECK: Final = "generated value does not satisfy {keyword}"
E_INVALID: Final = "generated value fails validation: {error}"
E_TYPES: Final = "`type` allows no type: {types!r}"
FIX_CONTRADICTION: Final = "relax one of the conflicting constraints"
FIX_RECURSION: Final = "make the self-reference optional, nullable, or allow an empty array"
FIX_BRANCHES: Final = (
    "make the branches mutually exclusive (distinct const/enum values, required properties"
    " or additionalProperties: false) or add a valid example"
)
FIX_EXAMPLE: Final = "simplify the schema or add a valid `example`"


def generation_error(what: str, ptr: str, fix: str, key: str = "") -> GenerationError:
    """The error for ``what`` failing at schema ``ptr`` (for value ``key``), with a fix."""
    where = f"{ptr} (key {key!r})" if key else ptr
    return GenerationError(f"{where}: {what}\n  fix: {fix}")
