"""What a value is about: the resource an object stands for, and names that fit it.

A property's name alone is ambiguous: ``name`` is a person's name on a ``User``, a project's on
a ``Project``, a city's on a ``City``. The resource comes from the schema's component name
(``#/components/schemas/ProjectSummary``), else the property holding the object (``owner``),
else the request path (``GET /projects``); the first word of it found in `_RESOURCES` decides.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from random import Random
from typing import Final

from mockserver.generation import realistic

__all__ = ["component_name", "named", "resource_of", "resource_of_key"]

# A resource word (singular) -> the category whose names it takes.
_RESOURCES: Final = {
    **dict.fromkeys(
        ("user", "person", "people", "customer", "member", "owner", "author", "employee",
         "contact", "profile", "assignee", "reporter", "creator", "reviewer", "student",
         "teacher", "patient", "driver", "passenger", "guest", "speaker", "attendee",
         "participant", "recipient", "sender", "buyer", "seller", "actor", "manager"),
        "person",
    ),
    **dict.fromkeys(("city", "town", "municipality"), "city"),
    **dict.fromkeys(("country", "nation"), "country"),
    **dict.fromkeys(
        ("company", "organization", "organisation", "org", "vendor", "supplier", "merchant",
         "tenant", "business", "brand", "employer", "publisher", "manufacturer"),
        "company",
    ),
    **dict.fromkeys(
        ("project", "workspace", "repository", "repo", "board", "initiative", "campaign",
         "program", "milestone", "sprint"),
        "project",
    ),
    **dict.fromkeys(("product", "item", "article", "sku", "offer", "plan"), "product"),
    **dict.fromkeys(("pet", "animal", "dog", "cat"), "pet"),
    **dict.fromkeys(("team", "group", "squad", "department", "channel"), "team"),
    **dict.fromkeys(("file", "document", "attachment", "upload", "asset"), "file"),
    **dict.fromkeys(("tag", "label", "category", "topic", "genre", "keyword"), "tag"),
    **dict.fromkeys(("task", "issue", "ticket", "story", "todo", "event", "meeting"), "task"),
}  # fmt: skip
# Categories that names of an existing kind serve: the stand-in property name says which.
_AS_PROPERTY: Final = {
    "person": "fullName",
    "city": "city",
    "country": "country",
    "company": "companyName",
    "file": "fileName",
    "tag": "tag",
    "task": "title",
}
_PROJECT_NOUNS: Final = (
    "Platform", "Migration", "Redesign", "Launch", "Portal", "Roadmap", "Rollout", "Pipeline",
    "Dashboard", "Initiative",
)  # fmt: skip
_PRODUCT_NOUNS: Final = (
    "Lamp", "Backpack", "Mug", "Notebook", "Headphones", "Chair", "Bottle", "Jacket", "Kettle",
)  # fmt: skip
_ADJECTIVES: Final = ("Classic", "Compact", "Deluxe", "Ergonomic", "Essential", "Smart", "Ultra")
_PETS: Final = (
    "Bella", "Charlie", "Luna", "Max", "Milo", "Daisy", "Rocky", "Coco", "Biscuit", "Pepper",
)  # fmt: skip
_NAMES: Final = frozenset({"name", "displayname", "label"})
_SPLIT: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|[^A-Za-z0-9]+")
_PATH: Final = re.compile(r"(?:^|\|)[A-Z]+ (/[^?\s|]*)")
_WORD: Final = re.compile(r"^[A-Za-z][A-Za-z_-]*$")


def _singular(token: str) -> str:
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith(("sses", "xes")):
        return token[:-2]
    if token.endswith("s") and not token.endswith("ss") and len(token) > 3:
        return token[:-1]
    return token


@lru_cache(maxsize=2048)
def resource_of(name: str) -> str | None:
    """The category of a component or property name (``ProjectSummary`` -> ``project``)."""
    for token in _SPLIT.split(name):
        if token:
            lowered = token.lower()
            category = _RESOURCES.get(lowered) or _RESOURCES.get(_singular(lowered))
            if category is not None:
                return category
    return None


def component_name(pointer: str) -> str | None:
    """``ProjectSummary`` for ``/components/schemas/ProjectSummary``; else ``None``."""
    head, _, last = pointer.rpartition("/")
    return last if head.endswith("/schemas") and last else None


def resource_of_key(key: str) -> str | None:
    """The category of the request a generate key names (``<pointer>|GET /api/projects?x=1``)."""
    match = _PATH.search(key)
    if match is None:
        return None
    for segment in reversed(match.group(1).split("/")):
        if _WORD.match(segment):
            return resource_of(segment)
    return None


def named(
    name: str, resource: str | None, rng: Random, *, now: datetime, max_length: int | None
) -> str | None:
    """A name for property ``name`` of a ``resource``, or ``None`` when generic rules apply.

    Only a bare name (``name``, ``displayName``, ``label``) is read by its resource:
    ``firstName``, ``cityName`` or ``companyName`` already say what they are.
    """
    if resource is None or "".join(_SPLIT.split(name)).lower() not in _NAMES:
        return None
    rule = _AS_PROPERTY.get(resource)
    if rule is not None:
        value = realistic.name_value(rule, "string", rng, now=now, max_length=max_length)
        return value if isinstance(value, str) else None
    if resource == "project":
        text = f"{realistic.word(rng).capitalize()} {rng.choice(_PROJECT_NOUNS)}"
    elif resource == "product":
        text = f"{rng.choice(_ADJECTIVES)} {realistic.word(rng).capitalize()} "
        text += rng.choice(_PRODUCT_NOUNS)
    elif resource == "pet":
        text = rng.choice(_PETS)
    else:  # team
        text = f"{realistic.word(rng).capitalize()} Team"
    return text if max_length is None else realistic.cut(text, max_length)
