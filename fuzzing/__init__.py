"""Schemathesis extensions for the platform API: throwaway-user auth and business-rule checks.

``schemathesis.toml`` at the repository root loads `fuzzing.hooks`, which registers both.
"""

from __future__ import annotations

__all__: list[str] = []
