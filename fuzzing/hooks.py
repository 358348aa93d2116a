"""Registers the platform's Schemathesis extensions (``hooks = "fuzzing.hooks"``)."""

from __future__ import annotations

from typing import Any

import schemathesis

from fuzzing.auth import ThrowawayUserAuth
from fuzzing.checks import register

__all__ = ["ThrowawayUserAuth", "target_of"]


def target_of(case: schemathesis.Case[Any], context: Any) -> str:
    """Which server a token belongs to: one cached token per app or base URL, never shared."""
    schema = case.operation.schema
    return f"app:{id(schema.app)}" if schema.app is not None else schema.get_base_url()


schemathesis.auth(cache_by_key=target_of)(ThrowawayUserAuth)
register()
