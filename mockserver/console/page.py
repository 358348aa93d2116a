"""The console's page and its two assets, shipped in the package (no build step, no CDN).

``/__mock/ui`` is ``assets/index.html``; it loads ``console.js`` (one ES module, no framework)
and ``console.css`` from beside it. They are read once, at the first request.
"""

from __future__ import annotations

import functools
from importlib import resources

__all__ = ["ASSETS", "CONTENT_SECURITY_POLICY", "asset"]

# File name -> media type: everything the page needs, and nothing else is served.
ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}
# The page loads nothing from elsewhere; the policy makes a stray CDN link fail loudly.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


@functools.cache
def asset(name: str) -> tuple[bytes, str]:
    """The bytes and media type of one asset; `KeyError` for a name that is not one."""
    media_type = ASSETS[name]
    return resources.files("mockserver.console").joinpath("assets", name).read_bytes(), media_type
