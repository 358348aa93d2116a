"""The mock console: a web page served at ``/__mock/ui`` for the people who use the mock.

`page` ships the page and its assets (HTML, one ES module, one stylesheet; no build step);
`catalogue` describes the served operations for its Operations view and "try it" form; `feed`
streams the journal as server-sent events for its live view. The JSON endpoints it calls are
the admin API's (`mockserver.server.console_api`), so tests can use them too.
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = ["catalogue", "feed", "page"]
