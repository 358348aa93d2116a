"""An interaction's provider states against the shared definitions (``contracts/states.yaml``).

A pact names states and their params ("given a project exists with projectId ...") and its
provider-state generators name the values a state answers (``${projectId}``). Each must be
one the definitions hold, or both state endpoints refuse it at verification time:

- the state is defined; each param is one it takes, with an allowed value (enum, format);
- a param the state cannot do without is given: one with no default that its steps use
  where leaving it out cannot work (a request path, a parent, embedded in a longer text);
- every ``${name}`` of a provider-state generator is a value the states answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from contracts.states import (
    MISSING,
    RecordStep,
    RequestStep,
    StateDefinition,
    StateDefinitions,
    StateError,
    UserStep,
)
from mockserver.pact.files import Generator, State

__all__ = ["required_params", "state_problems"]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z0-9_]*)?\}")


def state_problems(
    states: list[State], generators: list[tuple[str, Generator]], definitions: StateDefinitions
) -> Iterator[str]:
    """A located message for each state, param or generated value the definitions refuse.

    ``generators`` pairs each provider-state generator with its side (``request``...).
    """
    answers: set[str] = set()
    known_states = True
    for state in states:
        definition = definitions.get(state.name)
        if definition is None:
            known_states = False
            known = ", ".join(sorted(definitions))
            yield (
                f"provider state {state.name!r} is not defined in {definitions.source}; "
                f"known: {known}"
            )
            continue
        answers.update(str(name) for name in definition.answers)
        yield from _param_problems(state, definition, definitions)
    if not known_states or not states:
        return  # what an unknown state answers is unknown
    given = ", ".join(repr(s.name) for s in states)
    for side, generator in generators:
        for name in generator.names:
            if name not in answers:
                where = f"{side} {generator.category}" + (
                    f" {generator.where}" if generator.where else ""
                )
                yield (
                    f"{where}: the provider-state generator {generator.expression!r} names "
                    f"${{{name}}}, which {given} does not answer; it answers "
                    f"{', '.join(sorted(answers)) or 'nothing'}"
                )


def _param_problems(
    state: State, definition: StateDefinition, definitions: StateDefinitions
) -> Iterator[str]:
    where = f"provider state {state.name!r}"
    for name in sorted(set(state.params) - set(definition.params)):
        takes = ", ".join(sorted(definition.params)) or "none"
        yield (f"{where} takes no param {name!r} ({definitions.source}); its params: {takes}")
    for name, param in definition.params.items():
        if name in state.params:
            try:
                param.check(state.params[name])
            except StateError as exc:
                yield f"{where}: {exc}"
    for name in required_params(definition):
        if name not in state.params:
            yield (
                f"{where} needs param {name!r}: it has no default and the state's steps use it "
                f"({definitions.source})"
            )


def required_params(definition: StateDefinition) -> list[str]:
    """The params without a default that the steps or answers use where one must be given.

    A field whose whole value is an optional param is left out when it is not given (an id
    the provider then generates); anywhere else a missing param cannot be rendered.
    """
    optional = {name for name, p in definition.params.items() if p.default is MISSING}
    used: set[str] = set()
    for step in definition.steps:
        if isinstance(step, UserStep | RecordStep):
            used |= _embedded(step.fields)
        if isinstance(step, RecordStep):
            used |= _names(step.collection) | _names(step.parents)
        if isinstance(step, RequestStep):
            used |= _names(step.path) | _embedded(step.headers) | _embedded(step.body)
    used |= _embedded(definition.answers)
    return sorted(optional & used)


def _names(template: Any) -> set[str]:
    """Every param a template refers to."""
    if isinstance(template, str):
        return set(_PLACEHOLDER.findall(template))
    if isinstance(template, Mapping):
        return set().union(*(_names(v) for v in template.values()), set())
    if isinstance(template, list):
        return set().union(*(_names(v) for v in template), set())
    return set()


def _embedded(template: Any) -> set[str]:
    """Params of a template, except those that are a whole value of a mapping (left out)."""
    if isinstance(template, Mapping):
        out: set[str] = set()
        for value in template.values():
            if not (isinstance(value, str) and _PLACEHOLDER.fullmatch(value)):
                out |= _embedded(value)
        return out
    if isinstance(template, list):
        return set().union(*(_embedded(v) for v in template), set())
    return _names(template)
