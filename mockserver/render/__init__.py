"""Render: the answer to a valid request and the problems of an invalid one.

`prefer` reads what the client asks (Prism's ``Prefer`` header and ``__`` parameters);
`responses` chooses status, media type and body (the first example that fits the schema, else
generated data); `media_types` negotiates ``Accept`` and encodes the body; `problems` renders
RFC 9457 problems in the spec's own error shape; `hooks` names the generator and validator
rendering is given.
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = ["hooks", "media_types", "prefer", "problems", "responses"]
