"""An OpenAPI mock server and contract-testing toolkit.

``create_app`` builds a Starlette application from an OpenAPI 3.0 or 3.1 document.
"""

from __future__ import annotations

from mockserver.errors import (
    ConfigError,
    GenerationError,
    MockServerError,
    SpecError,
    SpecReferenceError,
)
from mockserver.server.app import create_app

__all__ = [
    "ConfigError",
    "GenerationError",
    "MockServerError",
    "SpecError",
    "SpecReferenceError",
    "create_app",
]

__version__ = "0.1.0"
