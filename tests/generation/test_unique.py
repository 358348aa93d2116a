"""`mockserver.generation.unique`: ids unique across calls, reseeds and forked workers."""

from __future__ import annotations

import os
import random
import re
import uuid

from mockserver.generation.unique import random_uuid, unique_hex


def test_a_random_uuid_is_a_canonical_version_4_uuid() -> None:
    for _ in range(200):
        text = random_uuid()
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == text


def test_a_unique_hex_is_32_lower_case_hex_digits() -> None:
    assert all(re.fullmatch(r"[0-9a-f]{32}", unique_hex()) for _ in range(200))


def test_ids_do_not_repeat_and_no_caller_of_random_seed_replays_them() -> None:
    random.seed(7)
    first = [random_uuid() for _ in range(5_000)] + [unique_hex() for _ in range(5_000)]
    random.seed(7)
    again = [random_uuid() for _ in range(5_000)] + [unique_hex() for _ in range(5_000)]
    assert len(set(first + again)) == 20_000


def test_a_forked_worker_makes_other_ids_than_its_parent() -> None:
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the worker: its next id, then gone without running the parent's cleanup
        os.write(write, unique_hex().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read) as pipe:
        childs = pipe.read()
    assert re.fullmatch(r"[0-9a-f]{32}", childs)
    assert childs != unique_hex()  # the same generator state would give the same id
