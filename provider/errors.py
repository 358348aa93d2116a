"""The provider's one exception tree.

```
ProviderError            root: catch this to catch anything the provider raises on purpose
├── ConfigError          create_app() or the command line got an unusable setting
├── SpecError            the OpenAPI document is missing, unreadable or disagrees with the routes
├── DatabaseUnavailable  the database cannot be reached; answered as 503 database_unavailable
└── Problem              (problems.py) an HTTP error answer, rendered as application/problem+json
```
"""

from __future__ import annotations

__all__ = ["ConfigError", "DatabaseUnavailable", "ProviderError", "SpecError"]


class ProviderError(Exception):
    """Root of every exception the provider raises on purpose."""


class ConfigError(ProviderError):
    """Raised by ``create_app`` and the CLI when a setting is unusable; says which and why."""


class SpecError(ProviderError):
    """Raised at start-up when the OpenAPI document cannot back the routes."""


class DatabaseUnavailable(ProviderError):
    """Raised by ``Database.run`` when the database refuses or drops the connection."""
