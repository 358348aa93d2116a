"""State in and out: export every record, import records (``--fixtures``), reset.

Exported state imports back as it was. Hand-written fixtures need no bookkeeping: a record may
name its owner and parents by their visible fields (``ownerId``, ``projectId``), a record keyed
by its id needs no id field, and a user may carry a plain password in the field ``register``
reads it from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.auth.authenticate import USERS
from mockserver.compile.resources import OWNER, PARENT, SEQUENCE
from mockserver.state.accounts import Accounts
from mockserver.state.context import SEQUENCE_KEY, StateContext

__all__ = ["import_state"]


async def import_state(state: StateContext, accounts: Accounts, data: Mapping[str, Any]) -> None:
    """Load records into ``state``, filling in the bookkeeping hand-written ones lack."""
    collections = dict(data.get("collections") or {})
    adopted: dict[str, Any] = {}
    for name, records in collections.items():
        resource = state.model.resources.get(name)
        fixed = {}
        for key, record in records.items():
            record = dict(record)
            # A record keyed by its id needs no id field of its own (users included).
            record.setdefault(resource.id_field if resource is not None else "id", key)
            if resource is not None:
                if OWNER not in record:
                    record[OWNER] = record.get(resource.owner_field or "")
                if PARENT not in record:
                    record[PARENT] = {p: record.get(f) for p, f in resource.parent_fields.items()}
            if SEQUENCE not in record:
                record[SEQUENCE] = await state.next_sequence()
            fixed[key] = record
        adopted[name] = fixed
    users = adopted.pop(USERS, {})
    await state.store.load({"collections": adopted})
    for record in users.values():
        await accounts.adopt_user(record)
    highest = max(
        (r.get(SEQUENCE, 0) for records in adopted.values() for r in records.values()),
        default=0,
    )
    async with state.store.lock(SEQUENCE_KEY):
        if highest > (await state.store.get_value(SEQUENCE_KEY) or 0):
            await state.store.set_value(SEQUENCE_KEY, highest)
