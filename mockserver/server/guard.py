"""The mock's request limits: httpguard set up as the mock answers.

`DEFAULT_LIMITS` is what ``mockserver serve`` and `create_app` enforce unless told otherwise
(the README's figures: bodies up to 10 MiB, httpguard's defaults for the rest); `REFUSALS` is
how the mock refuses: 413 for a body too large (the refusal comes before any operation is
chosen, like 404), its own problem ``type`` URNs, and each refusal's code as the
``errors[].code``. `refusals_for` names the refusals of an app as its spec names its problems,
when the spec's examples follow ``prefix + dashed code``.
"""

from __future__ import annotations

import dataclasses

from httpguard import Limits, Refusals
from mockserver.compile.problem_types import ProblemTypes

__all__ = ["DEFAULT_LIMITS", "REFUSALS", "refusals_for"]

DEFAULT_LIMITS = Limits(max_body_bytes=10 * 1024 * 1024)
REFUSALS = Refusals(type_prefix="urn:mockserver:problem:", body_too_large_status=413)


def refusals_for(types: ProblemTypes) -> Refusals:
    """`REFUSALS` with the served spec's problem ``type`` prefix, when its examples have one."""
    prefix = types.dashed_prefix
    return REFUSALS if prefix is None else dataclasses.replace(REFUSALS, type_prefix=prefix)
