"""Hypothesis drives the search: it draws programs, runs each against an empty mock and the
provider, and shrinks every divergence to the shortest program that still shows it.

Each distinct divergence (its `Divergence.signature`) is raised as its own exception class,
so Hypothesis treats them as distinct bugs and shrinks each one separately. Whatever
Hypothesis ends with, the shortest program seen for each signature is kept here, with what
it exchanged, and run once more (while time is left) to tell whether it repeats.

Every run starts with the fixed programs of `scenarios`. Generation is seeded (``seed``) and
uses no example database, so a run is repeatable; the whole run, shrinking included, is
bounded by ``max_examples`` and by ``time_limit`` seconds (after it, nothing more is run).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed

from mockserver.conform.compare import Divergence
from mockserver.conform.execute import Execution, LoginBudget, Outcome
from mockserver.conform.model import ApiModel
from mockserver.conform.receiver import Receiver
from mockserver.conform.scenarios import scenarios
from mockserver.conform.sides import HttpSide, MockSide, Side
from mockserver.conform.states import AccountState, account_state
from mockserver.conform.steps import Program, programs
from mockserver.conform.webhooks import WebhookRun
from mockserver.errors import ConformError, MockServerError

__all__ = ["DEFAULT_MAX_EXAMPLES", "Finding", "SearchResult", "conform"]

DEFAULT_MAX_EXAMPLES = 10
DEFAULT_TIME_LIMIT = 40.0
MAX_REPLAYS = 20


@dataclass(frozen=True, slots=True)
class Finding:
    """One divergence and the shortest program found that shows it, run once more."""

    divergence: Divergence
    outcome: Outcome
    # Whether running it once more showed it again (None: no time was left to run it).
    repeated: bool | None = True


@dataclass
class SearchResult:
    """What a conform run found, and what it cost."""

    findings: list[Finding] = field(default_factory=list)
    programs: int = 0
    requests: int = 0
    seconds: float = 0.0
    timed_out: bool = False

    @property
    def passed(self) -> bool:
        return not self.findings


class _Found(MockServerError):
    """Base of the per-signature exceptions Hypothesis shrinks apart."""


def _size(program: Program, divergence: Divergence) -> tuple[int, int, str]:
    """Shorter is fewer steps, then fewer requests before the divergence."""
    return len(program), divergence.request, repr(program)


@dataclass
class _Search:
    model: ApiModel
    provider: Side
    seed: int
    time_limit: float
    receiver: Receiver | None = None
    states: AccountState | None = None
    run: Callable[[Program], Outcome] = field(init=False)
    # The in-process mock every program runs against, built at the first (`MockSide`).
    mock: MockSide | None = field(default=None, init=False)
    smallest: dict[str, tuple[Program, Divergence, Outcome]] = field(default_factory=dict)
    classes: dict[str, type[_Found]] = field(default_factory=dict)
    budget: LoginBudget = field(default_factory=LoginBudget)
    started: float = field(default_factory=time.monotonic)
    programs: int = 0
    requests: int = 0
    timed_out: bool = False
    error: ConformError | None = None

    def execute(self, runner: asyncio.Runner, program: Program) -> Outcome:
        """``program`` against an empty mock and the provider."""

        async def go() -> Outcome:
            receiver, nonce = self.receiver, uuid.uuid4().hex[:10]
            if self.mock is None:
                host = receiver.host if receiver is not None else None
                self.mock = MockSide(self.model.spec, seed=self.seed, webhook_host=host)
            hooks = WebhookRun(self.model, receiver, nonce) if receiver is not None else None
            try:
                execution = Execution(
                    self.model, self.mock, self.provider, nonce=nonce, budget=self.budget,
                    hooks=hooks, states=self.states,
                )  # fmt: skip
                return await execution.run(program)
            finally:
                await self.mock.reset()  # the next program starts from nothing, as this one did

        outcome = runner.run(go())
        self.programs += 1
        self.requests += len(outcome.exchanges)
        return outcome

    def out_of_time(self) -> bool:
        if time.monotonic() - self.started > self.time_limit:
            self.timed_out = True
        return self.timed_out

    def observe(self, runner: asyncio.Runner, program: Program) -> Outcome:
        """Run ``program``; keep it for each divergence it shows, when shorter than before."""
        outcome = self.execute(runner, program)
        for divergence in outcome.divergences:
            best = self.smallest.get(divergence.signature)
            if best is None or _size(program, divergence) < _size(best[0], best[1]):
                self.smallest[divergence.signature] = (list(program), divergence, outcome)
        return outcome

    def probe(self, runner: asyncio.Runner, program: Program) -> None:
        """Hypothesis' test: raise the divergence's own exception when the program shows one."""
        if self.error is not None or self.out_of_time():
            return  # out of time: every further candidate passes, so Hypothesis winds down
        try:
            outcome = self.observe(runner, program)
        except ConformError as exc:
            self.error = exc
            return
        if outcome.divergences:
            signature = outcome.divergences[0].signature
            kind = self.classes.setdefault(signature, type("Divergence", (_Found,), {}))
            raise kind(signature)


def conform(
    model: ApiModel,
    provider_url: str,
    *,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    seed: int = 0,
    time_limit: float = DEFAULT_TIME_LIMIT,
    max_steps: int = 10,
    receiver: Receiver | None = None,
    state_url: str | None = None,
) -> SearchResult:
    """Search for programs on which the provider at ``provider_url`` and the mock differ.

    Args:
        model: the callable surface of the spec (`ApiModel.from_spec`).
        provider_url: the provider's root URL (or root plus the spec's base path).
        max_examples: programs Hypothesis draws before it shrinks what it found.
        seed: the seed of generation; the same seed draws the same programs.
        time_limit: seconds after which no further program is run (shrinking stops early).
        max_steps: the longest program drawn.
        receiver: where both servers send webhooks; None leaves webhooks unchecked.
        state_url: the provider's provider-state endpoint; with it, an account is suspended
            (`mockserver.conform.states`).
    """
    if max_examples < 1:
        raise ConformError(f"expected max_examples >= 1, got max_examples={max_examples}")
    provider = HttpSide(provider_url, model.base_path)
    search = _Search(model, provider, seed, time_limit, receiver, account_state(state_url))
    # The replays keep enough failed logins for one throttle; the search has the rest.
    reserve = model.throttle_attempts() + 1
    search.budget.remaining = model.failed_login_budget() - reserve
    with asyncio.Runner() as runner:
        try:
            fixed = scenarios(model, webhooks=receiver is not None, states=bool(search.states))
            for program in fixed:
                if not search.out_of_time():
                    search.observe(runner, program)
            _explore(search, runner, max_examples=max_examples, max_steps=max_steps)
            if search.error is not None:
                raise search.error
            _shrink_scenarios(search, runner)
            search.budget.remaining += reserve
            findings = _replay(search, runner)
        finally:
            if search.mock is not None:
                runner.run(search.mock.aclose())
            runner.run(provider.aclose())
    return SearchResult(
        findings,
        search.programs,
        search.requests,
        time.monotonic() - search.started,
        search.timed_out,
    )


def _explore(search: _Search, runner: asyncio.Runner, *, max_examples: int, max_steps: int) -> None:
    @settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.generate, Phase.shrink),
        report_multiple_bugs=True,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @hypothesis_seed(search.seed)
    @given(programs(search.model, max_steps=max_steps))
    def probe(program: Program) -> None:
        search.probe(runner, program)

    try:
        probe()
    except Exception as exc:
        # Divergences found (`search.smallest` holds the shortest program of each), or
        # Hypothesis' Flaky* (one the provider did not repeat); anything else is a bug here.
        if not _ours(exc):
            raise


def _ours(exc: BaseException) -> bool:
    if isinstance(exc, BaseExceptionGroup):
        return all(_ours(inner) for inner in exc.exceptions)
    return isinstance(exc, _Found) or type(exc).__module__.startswith("hypothesis")


def _shrink_scenarios(search: _Search, runner: asyncio.Runner) -> None:
    """Shrink what only a scenario showed (Hypothesis shrinks only what it drew).

    The program is cut after the step that diverged; then runs of earlier steps are left
    out, halves first, then quarters, down to single steps, while the divergence still shows.
    """
    for signature, (program, seen, _) in list(search.smallest.items()):
        candidate = program[: seen.step + 1]
        chunk = len(candidate) // 2
        while chunk >= 1 and not search.out_of_time():
            start = 0
            while start < len(candidate) - 1 and not search.out_of_time():
                end = min(start + chunk, len(candidate) - 1)  # the diverging step stays
                trial = candidate[:start] + candidate[end:]
                outcome = search.observe(runner, trial)  # keeps ``trial`` when it still shows
                if any(d.signature == signature for d in outcome.divergences):
                    candidate = trial
                else:
                    start = end
            chunk //= 2


def _replay(search: _Search, runner: asyncio.Runner) -> list[Finding]:
    """Run the shortest program of each divergence once more, cut after the step that
    diverged: the run the report prints, and proof that the divergence repeats.

    This runs even past the time limit (once per divergence, at most `MAX_REPLAYS`): a report
    without the requests that show a divergence would not be worth much.
    """
    findings: list[Finding] = []
    ordered = sorted(search.smallest.items(), key=lambda kv: _size(kv[1][0], kv[1][1]))
    for number, (signature, (program, seen, first)) in enumerate(ordered):
        if number >= MAX_REPLAYS:
            findings.append(Finding(seen, first, None))
            continue
        outcome = search.execute(runner, program[: seen.step + 1])
        matching = [d for d in outcome.divergences if d.signature == signature]
        if matching:
            findings.append(Finding(matching[0], outcome, True))
        else:
            findings.append(Finding(seen, first, False))
    return findings
