"""Unique ids made without a system call: record ids, login ids, token ids.

`uuid.uuid4` and `os.urandom` ask the kernel for every id. A private generator, seeded from
os.urandom (again in a forked child, so workers never share a sequence) and never reseeded by
anyone calling `random.seed`, makes ids as unique. They are not unguessable, so nothing secret
comes from here: refresh tokens, salts and signing keys come from `secrets`.
"""

from __future__ import annotations

import os
import random

__all__ = ["random_uuid", "unique_hex"]

_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)  # version 4, RFC 4122 variant


def unique_hex() -> str:
    """128 random bits as 32 lower-case hex digits."""
    return f"{_ids.getrandbits(128):032x}"


def random_uuid() -> str:
    """A random RFC 4122 version 4 UUID in its canonical text form."""
    h = f"{_ids.getrandbits(128) & _UUID_CLEAR | _UUID_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
