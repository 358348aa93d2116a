"""The stateful mock: what was created is stored, read back, changed, listed and deleted.

`StatefulMock` plugs into the engine after routing, authentication and validation. For each
request it replays an ``Idempotency-Key`` it has seen (`idempotency`), runs the
``x-mock-action`` the operation declares (`accounts`, `transitions`) or else the CRUD role
inferred from its path (`crud`), each checking ownership as it loads a record, and answers the
record projected onto the declared response (`context`). Operations it has nothing to say
about answer None, and the stateless responder answers them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from mockserver.auth.authenticate import Authenticator
from mockserver.auth.logins import LOGINS
from mockserver.auth.tokens import TokenService
from mockserver.compile.operations import Operation
from mockserver.compile.resources import ResourceModel
from mockserver.render.problems import Problem
from mockserver.render.responses import Rendered, Responder
from mockserver.state import fixtures, seeding
from mockserver.state.accounts import Accounts
from mockserver.state.context import Request, StateContext, StatefulOperation
from mockserver.state.crud import run_role
from mockserver.state.idempotency import once
from mockserver.state.records import RecordBuilder
from mockserver.state.seeding import Missing
from mockserver.state.transitions import Transitions
from mockserver.store.memory import Store

__all__ = ["StatefulMock"]

Answer = Rendered | Problem | None
Action = Callable[[Mapping[str, Any], Request], Awaitable[Answer]]


class StatefulMock:
    """State for one spec: records, users, tokens, and the rules that change them."""

    def __init__(
        self,
        document: Mapping[str, Any],
        operations: list[Operation],
        builder: RecordBuilder,
        store: Store,
        *,
        base_path: str = "",
        jwt_secret: str | None = None,
        missing: Missing = "404",
        seed_examples: bool = False,
        check: seeding.Check | None = None,
    ) -> None:
        tokens = TokenService(store, secret=jwt_secret)
        self.context = StateContext(
            document,
            ResourceModel(document, operations),
            builder,
            store,
            tokens,
            base_path=base_path,
            materialize=missing == "materialize",
        )
        self.seed_examples = seed_examples
        self.context.check = check
        self._seeds = seeding.Seeds(self.context) if seed_examples else None
        self.context.seeds = self._seeds
        self.accounts = Accounts(self.context)
        self.transitions = Transitions(self.context)
        has_login = any(
            isinstance(op.extensions.get("x-mock-action"), Mapping)
            and op.extensions["x-mock-action"].get("type") == "login"
            for op in operations
        )
        self.authenticator = Authenticator(store, tokens, enabled=has_login)
        self._actions: dict[str, Action] = {
            "register": self.accounts.register,
            "login": self.accounts.login,
            "refresh": self.accounts.refresh,
            "logout": self.accounts.logout,
            "current-user": self.accounts.current_user,
            "transition": self.transitions.transition,
            "charge": self.transitions.charge,
        }

    def plan(
        self, operation: Operation, *, responder: Responder | None = None
    ) -> StatefulOperation:
        """What this mock does with ``operation`` (of the response view), decided once."""
        return self.context.plan(operation, responder=responder)

    async def handle(self, request: Request) -> Answer:
        """Answer ``request`` from state, or None to let the stateless responder answer."""
        header = request.op.answers.idempotency_header
        key = request.headers.get(header) if header else None
        if not key:
            return await self._dispatch(request)
        assert header is not None
        return await once(self.context.store, header, key, request, lambda: self._dispatch(request))

    async def _dispatch(self, request: Request) -> Answer:
        action = request.op.action
        if action is not None:
            run = self._actions.get(str(action.get("type")))
            return None if run is None else await run(action, request)
        return await run_role(self.context, request)

    # -- control ----------------------------------------------------------------------------

    async def reset(self) -> None:
        """Forget everything (records, users, tokens, counters); the spec's own records are
        seeded again at each collection's next use."""
        await self.context.store.reset()
        if self._seeds is not None:
            self._seeds.forget()

    async def seed(self) -> int:
        """Store every collection's example records now (``--seed-examples``; otherwise each
        collection is seeded at its first use); how many this call stored."""
        return 0 if self._seeds is None else await self._seeds.everything()

    async def export_state(self) -> dict[str, Any]:
        """Every record, as `import_state` takes it back."""
        await self.seed()  # the spec's records are state too, used or not yet
        exported = await self.context.store.export()
        # Logins are not records: without their refresh tokens (never exported) they are void.
        collections = exported.get("collections", {})
        exported["collections"] = {
            name: records for name, records in collections.items() if not name.startswith(LOGINS)
        }
        return exported

    async def import_state(self, data: Mapping[str, Any]) -> None:
        """Load records; hand-written fixtures get their bookkeeping filled in."""
        await fixtures.import_state(self.context, self.accounts, data)
