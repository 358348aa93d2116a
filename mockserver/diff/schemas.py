"""Compare two schemas, on the request side or the response side, recursively.

What breaks a client depends on the direction: a request schema that accepts less (a type
narrowed, an enum value removed, a bound tightened, a property now required) refuses what
clients send; a response schema that may hold more (a type widened, null allowed, an enum
value added, a property gone) surprises what clients parse. Subschemas are compared through
properties, items and ``oneOf``/``anyOf`` branches, `$ref`s followed on both sides by content;
each pair of schemas is compared once, so recursive schemas end. The values each pair allows
are compared by `mockserver.diff.values`, the properties and branches here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from mockserver.diff.discriminators import discriminator_changes
from mockserver.diff.model import Findings, Subject
from mockserver.diff.values import Add, compare_values, disjoint
from mockserver.diff.views import Located, SchemaView, fingerprint, resolve, view
from mockserver.spec import pointer as jp

__all__ = ["Direction", "compare_contents", "compare_schemas"]

Direction = Literal["request", "response"]


def compare_schemas(
    documents: tuple[Any, Any],
    out: Findings,
    old: Located,
    new: Located,
    *,
    direction: Direction,
    what: str,
    subject: Subject,
) -> None:
    """Add to ``out`` what changed from the ``old`` schema to the ``new`` one.

    ``documents`` are the old and new documents the schemas' `$ref`s point into; ``what``
    names the place for messages ("the request body (application/json)"); each finding's
    subject is ``subject`` with the trail of properties to the value that changed.
    """
    _Comparison(documents[0], documents[1], out, direction, what, subject).run(old, new, "", ())


@dataclass(slots=True)
class _Comparison:
    old_doc: Any
    new_doc: Any
    out: Findings
    direction: Direction
    what: str
    subject: Subject
    seen: set[tuple[str, str]] = field(default_factory=set)
    cuts: int = 0  # pairs skipped because seen: a subtree with a cut is not known clean

    def run(self, old: Located, new: Located, path: str, trail: tuple[str, ...]) -> None:
        pair = (resolve(self.old_doc, *old)[1], resolve(self.new_doc, *new)[1])
        clean = (self.direction, *pair)
        if clean in self.out.clean:
            return  # compared before, in this or another operation, and found unchanged
        if pair in self.seen:
            self.cuts += 1  # a recursive schema, or one compared already that did change
            return
        self.seen.add(pair)
        found, cuts = len(self.out.items), self.cuts
        self._compare(old, new, path, trail)
        if len(self.out.items) == found and self.cuts == cuts:
            self.out.clean.add(clean)  # nothing below changed and nothing was cut short

    def _compare(self, old: Located, new: Located, path: str, trail: tuple[str, ...]) -> None:
        o, n = view(self.old_doc, *old), view(self.new_doc, *new)
        where = f"{self.what} at {path}" if path else self.what
        if disjoint(o, n):
            # An array turned into an object (or a scalar): one change, not each property or
            # the items one by one as well.
            compare_values(self.direction, o, n, where, trail, self._adder(o, n, trail))
            return
        compare_values(self.direction, o, n, where, trail, self._adder(o, n, trail))
        if n.branches and not o.branches and not n.properties:
            # Alternatives introduced: the properties now sit in the branches.
            self._branches(o, n, path, where, trail)
            return
        if self.direction == "request":
            self._request_properties(o, n, path, trail)
        else:
            self._response_properties(o, n, path, trail)
        if o.items is not None and n.items is not None:
            self.run(o.items, n.items, f"{path}[]", (*trail, "[]"))
        self._branches(o, n, path, where, trail)

    def _adder(self, o: SchemaView, n: SchemaView, trail: tuple[str, ...]) -> Add:
        return lambda rule, message: self._add(rule, o, n, message, trail)

    def _add(
        self,
        rule: str,
        o: SchemaView | str,
        n: SchemaView | str,
        message: str,
        trail: tuple[str, ...],
    ) -> None:
        old = o if isinstance(o, str) else o.pointer
        new = n if isinstance(n, str) else n.pointer
        subject = replace(self.subject, field=trail)
        self.out.add(f"{self.direction}-{rule}", old, new, message, subject)

    # values: types, null, enums, bounds, patterns

    # properties

    def _request_properties(
        self, o: SchemaView, n: SchemaView, path: str, trail: tuple[str, ...]
    ) -> None:
        for name, (sub, at) in n.properties.items():
            if name in o.properties or view(self.new_doc, sub, at).read_only:
                continue
            label = _label(self.what, path, name)
            if name in n.required:
                message = f"{label} was added and is required; clients do not send it"
                self._add("property-added-required", o, at, message, (*trail, name))
            else:
                self._add("property-added", o, at, f"{label} was added (optional)", (*trail, name))
        for name, (sub, at) in o.properties.items():
            if name in n.properties or view(self.old_doc, sub, at).read_only:
                continue
            label = _label(self.what, path, name)
            if n.closed:
                message = f"{label} was removed and the schema refuses unknown properties"
                self._add("property-removed", at, n, message, (*trail, name))
            else:
                message = f"{label} was removed; clients still send it and it may be ignored"
                self._add("property-removed-open", at, n, message, (*trail, name))
        for name in [name for name in o.properties if name in n.properties]:  # in order
            old, new = o.properties[name], n.properties[name]
            newly = name in n.required and name not in o.required
            if newly and not view(self.new_doc, *new).read_only:
                label = _label(self.what, path, name)
                message = f"{label} became required; clients that leave it out are refused"
                self._add("property-made-required", old[1], new[1], message, (*trail, name))
            self.run(old, new, _join(path, name), (*trail, name))

    def _response_properties(
        self, o: SchemaView, n: SchemaView, path: str, trail: tuple[str, ...]
    ) -> None:
        for name, (sub, at) in o.properties.items():
            if name in n.properties or view(self.old_doc, sub, at).write_only:
                continue
            label = _label(self.what, path, name)
            self._add(
                "property-removed",
                at,
                n,
                f"{label} was removed; clients may read it",
                (*trail, name),
            )
        for name, (sub, at) in n.properties.items():
            if name in o.properties or view(self.new_doc, sub, at).write_only:
                continue
            self._add(
                "property-added",
                o,
                at,
                f"{_label(self.what, path, name)} was added",
                (*trail, name),
            )
        for name in [name for name in o.properties if name in n.properties]:  # in order
            old, new = o.properties[name], n.properties[name]
            optional = name in o.required and name not in n.required
            if optional and not view(self.old_doc, *old).write_only:
                label = _label(self.what, path, name)
                message = f"{label} is no longer required: clients may not find it"
                self._add("property-made-optional", old[1], new[1], message, (*trail, name))
            self.run(old, new, _join(path, name), (*trail, name))

    # oneOf / anyOf

    def _branches(
        self, o: SchemaView, n: SchemaView, path: str, where: str, trail: tuple[str, ...]
    ) -> None:
        if n.branches and not o.branches:
            if self.direction == "request":
                message = (
                    f"{where} must now match oneOf/anyOf alternatives ({len(n.branches)}); "
                    "values valid before may be refused"
                )
            else:
                message = (
                    f"{where} is now one of {len(n.branches)} oneOf/anyOf alternatives; "
                    "clients must tell them apart"
                )
            self._add("composition-added", o, n, message, trail)
        if not (o.branches and n.branches):
            return
        documents = (self.old_doc, self.new_doc)
        for old_at, new_at, change in discriminator_changes(
            documents, o.discriminator, n.discriminator
        ):
            message = f"{where}: the discriminator changed: {change}"
            self._add("discriminator-changed", old_at, new_at, message, trail)
        new_prints = [fingerprint(self.new_doc, node) for node, _ in n.branches]
        unmatched_new = list(range(len(n.branches)))
        unmatched_old = []
        for index, (node, _) in enumerate(o.branches):
            printed = fingerprint(self.old_doc, node)
            match = next((j for j in unmatched_new if new_prints[j] == printed), None)
            if match is None:
                unmatched_old.append(index)
            else:
                unmatched_new.remove(match)
        # Then a component edited in place: the same name on both sides, compared within.
        for i in list(unmatched_old):
            at = o.branches[i][1]
            match = next((j for j in unmatched_new if n.branches[j][1] == at), None)
            if match is not None and at.startswith("/components/"):
                unmatched_old.remove(i)
                unmatched_new.remove(match)
                branch = f"{path}({_branch(at, match)})"
                self.run(o.branches[i], n.branches[match], branch, trail)
        if len(unmatched_old) == len(unmatched_new):
            # As many changed as before: each one edited in place, compared branch by branch.
            for i, j in zip(unmatched_old, unmatched_new, strict=True):
                branch = f"{path}({_branch(n.branches[j][1], j)})"
                self.run(o.branches[i], n.branches[j], branch, trail)
            return
        for i in unmatched_old:
            message = f"{where}: oneOf/anyOf {_branch(o.branches[i][1], i)} was removed"
            self._add("branch-removed", o.branches[i][1], n, message, trail)
        for j in unmatched_new:
            message = f"{where}: oneOf/anyOf {_branch(n.branches[j][1], j)} was added"
            self._add("branch-added", o, n.branches[j][1], message, trail)


def compare_contents(
    documents: tuple[Any, Any],
    out: Findings,
    old: tuple[Mapping[str, Any], str],
    new: tuple[Mapping[str, Any], str],
    *,
    direction: Direction,
    what: Callable[[str], str],
    subject: Subject,
) -> None:
    """Compare the schema of each media type both sides declare: ``old`` and ``new`` are
    (media type -> Media Type Object, the pointer of the object holding ``content``);
    ``what(media)`` names the body in messages; ``subject`` is the findings' subject."""
    (before, old_at), (after, new_at) = old, new
    for media in sorted(before.keys() & after.keys()):
        o_schema, n_schema = before[media].get("schema"), after[media].get("schema")
        if isinstance(o_schema, dict) and isinstance(n_schema, dict):
            escaped = jp.escape(media)
            compare_schemas(
                documents,
                out,
                (o_schema, f"{old_at}/content/{escaped}/schema"),
                (n_schema, f"{new_at}/content/{escaped}/schema"),
                direction=direction,
                what=what(media),
                subject=subject,
            )


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _label(what: str, path: str, name: str) -> str:
    return f"{what}: property '{_join(path, name)}'"


def _branch(pointer: str, index: int) -> str:
    """``branch 2 (Dog)`` for a branch that is a component, else ``branch 2``."""
    if pointer.startswith("/components/schemas/") and pointer.count("/") == 3:
        return f"branch {index} ({jp.unescape(pointer.rsplit('/', 1)[1])})"
    return f"branch {index}"
