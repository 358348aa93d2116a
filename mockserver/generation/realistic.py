"""Realistic values chosen by property name or string format, drawn from small built-in lists.

Nothing here knows about JSON Schema: callers check every suggestion against the schema node and
fall back to generic generation when it does not validate. Faker is deliberately not used: it takes
hundreds of milliseconds to import and the mock only needs a plausible value, not a locale.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from random import Random
from typing import Final

__all__ = ["FIXED_EPOCH", "cut", "format_value", "name_value", "text", "word"]

FIXED_EPOCH: Final = datetime(2025, 1, 1, tzinfo=UTC)
"""The "now" of seeded generation, so recent timestamps are the same in every run."""

_RECENT_SECONDS: Final = 30 * 86_400

_FIRST: Final = (
    "Ada", "Alan", "Amara", "Ben", "Chen", "Diego", "Elena", "Fatima", "Grace", "Hiro",
    "Ines", "Jonas", "Kwame", "Lena", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa",
    "Sam", "Tariq", "Uma", "Victor", "Wen", "Yara", "Zoe",
)  # fmt: skip
_LAST: Final = (
    "Adeyemi", "Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito",
    "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Rossi",
    "Schmidt", "Tanaka", "Novak", "Walker", "Young", "Zhang",
)  # fmt: skip
_WORDS: Final = (
    "alpha", "amber", "anchor", "apex", "atlas", "beacon", "birch", "bolt", "breeze", "cedar",
    "comet", "coral", "delta", "drift", "ember", "falcon", "fern", "forge", "glade", "harbor",
    "helix", "indigo", "iris", "jade", "juniper", "kestrel", "lumen", "maple", "meadow", "nova",
    "oak", "orbit", "pebble", "pine", "prism", "quartz", "raven", "ridge", "river", "sage",
    "sierra", "slate", "spruce", "summit", "tide", "topaz", "vale", "willow", "zenith", "zephyr",
)  # fmt: skip
_CITIES: Final = (
    "Amsterdam", "Austin", "Berlin", "Bogota", "Cape Town", "Dublin", "Helsinki", "Kyoto",
    "Lagos", "Lisbon", "Melbourne", "Montreal", "Nairobi", "Oslo", "Porto", "Seoul",
    "Toronto", "Valencia", "Vienna", "Zurich",
)  # fmt: skip
_COUNTRIES: Final = {
    "AR": "Argentina", "AU": "Australia", "BR": "Brazil", "CA": "Canada", "CH": "Switzerland",
    "DE": "Germany", "DK": "Denmark", "ES": "Spain", "FI": "Finland", "FR": "France",
    "GB": "United Kingdom", "IE": "Ireland", "IN": "India", "IT": "Italy", "JP": "Japan",
    "KE": "Kenya", "KR": "South Korea", "MX": "Mexico", "NG": "Nigeria", "NL": "Netherlands",
    "NO": "Norway", "NZ": "New Zealand", "PL": "Poland", "PT": "Portugal", "SE": "Sweden",
    "US": "United States", "ZA": "South Africa",
}  # fmt: skip
_COUNTRY_CODES: Final = tuple(_COUNTRIES)
_COUNTRY_NAMES: Final = tuple(_COUNTRIES.values())
_CURRENCIES: Final = (
    "AUD", "BRL", "CAD", "CHF", "CNY", "DKK", "EUR", "GBP", "INR", "JPY", "MXN", "NOK",
    "NZD", "PLN", "SEK", "USD", "ZAR",
)  # fmt: skip
_STATUSES: Final = ("active", "pending", "inactive", "archived", "draft")
_STREETS: Final = ("Main St", "Oak Avenue", "Harbor Road", "Elm Street", "Station Lane")
_TIMEZONES: Final = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "Africa/Lagos")
_LANGUAGES: Final = ("en", "en-US", "de-DE", "fr", "es-ES", "ja", "pt-BR")
_DURATIONS: Final = ("P1D", "PT15M", "PT1H30M", "P2W", "P1Y2M", "PT45S", "P3DT4H")
_REGEXES: Final = ("^[a-z]+$", "^[0-9]{3}$", "^[A-Z][a-z]*$", "^\\d{4}-\\d{2}$")
_DOMAINS: Final = ("example.com", "example.org", "example.net")
_ALNUM: Final = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

# A whole (camelCase or snake_case) name, lower-cased and joined, mapped to a kind.
_WHOLE_NAMES: Final = {
    "emailaddress": "email",
    "firstname": "first_name",
    "givenname": "first_name",
    "forename": "first_name",
    "lastname": "last_name",
    "surname": "last_name",
    "familyname": "last_name",
    "fullname": "full_name",
    "displayname": "full_name",
    "name": "full_name",
    "username": "username",
    "login": "username",
    "nickname": "username",
    "screenname": "username",
    "handle": "username",
    "countrycode": "country_code",
    "currencycode": "currency",
    "postalcode": "postal",
    "zipcode": "postal",
    "phonenumber": "phone",
    "ipaddress": "ip",
    "languagecode": "language",
}
# The word before a trailing "name" (companyName, cityName) picks the kind; default: a person.
_NAME_PREFIX: Final = {
    "first": "first_name",
    "given": "first_name",
    "last": "last_name",
    "family": "last_name",
    "user": "username",
    "company": "company",
    "org": "company",
    "organization": "company",
    "city": "city",
    "country": "country",
    "file": "filename",
    "product": "title",
    "item": "title",
    "project": "title",
}
# The last word of a name (userEmail, createdAt, unitPrice), mapped to a kind.
_LAST_WORD: Final = {
    "email": "email", "mail": "email", "phone": "phone", "mobile": "phone", "telephone": "phone",
    "tel": "phone", "fax": "phone", "city": "city", "town": "city", "country": "country",
    "currency": "currency", "url": "url", "uri": "url", "website": "url", "homepage": "url",
    "link": "url", "href": "url", "avatar": "image", "image": "image", "photo": "image",
    "picture": "image", "thumbnail": "image", "logo": "image", "icon": "image", "at": "datetime",
    "timestamp": "datetime", "datetime": "datetime", "date": "date", "birthday": "date",
    "dob": "date", "id": "id", "uuid": "id", "guid": "id", "price": "money", "amount": "money",
    "total": "money", "cost": "money", "balance": "money", "subtotal": "money", "fee": "money",
    "tax": "money", "salary": "money", "quantity": "quantity", "qty": "quantity",
    "count": "quantity", "stock": "quantity", "status": "status", "state": "status",
    "title": "title", "subject": "title", "headline": "title", "heading": "title",
    "description": "text", "summary": "text", "bio": "text", "about": "text", "comment": "text",
    "note": "text", "message": "text", "body": "text", "content": "text", "street": "street",
    "address": "street", "zip": "postal", "postcode": "postal", "company": "company",
    "organization": "company", "employer": "company", "age": "age", "year": "year",
    "latitude": "latitude", "lat": "latitude", "longitude": "longitude", "lng": "longitude",
    "lon": "longitude", "color": "color", "colour": "color", "ip": "ip", "language": "language",
    "locale": "language", "lang": "language", "timezone": "timezone", "tz": "timezone",
    "slug": "slug", "tag": "word", "keyword": "word", "category": "word", "label": "word",
    "password": "password", "secret": "password", "version": "version", "rating": "rating",
    "score": "rating", "percent": "percent", "percentage": "percent", "sku": "sku",
    "token": "token", "hash": "token", "filename": "filename", "domain": "hostname",
    "hostname": "hostname", "host": "hostname", "created": "datetime", "updated": "datetime",
    "modified": "datetime", "deleted": "datetime",
}  # fmt: skip

_CAMEL_SPLIT: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|[^A-Za-z0-9]+")


@lru_cache(maxsize=4096)
def _kind(name: str) -> str | None:
    """Classify a property name (camelCase, snake_case, kebab-case) into a value kind."""
    tokens = [t.lower() for t in _CAMEL_SPLIT.split(name) if t]
    if not tokens:
        return None
    joined = "".join(tokens)
    if joined in _WHOLE_NAMES:
        return _WHOLE_NAMES[joined]
    last = tokens[-1]
    if last == "name":
        return _NAME_PREFIX.get(tokens[-2], "full_name") if len(tokens) > 1 else "full_name"
    if last == "code" and len(tokens) > 1:
        return _WHOLE_NAMES.get(tokens[-2] + "code")
    if last in ("url", "uri", "href", "link") and len(tokens) > 1:
        # avatarUrl, imageHref: the word before says what the link points at.
        return "image" if _LAST_WORD.get(tokens[-2]) == "image" else "url"
    # Plurals ("emails", "addresses") describe arrays whose items are the singular kind.
    for candidate in (last, last[:-1], last[:-2]):
        if candidate in _LAST_WORD and (candidate == last or last.endswith("s")):
            return _LAST_WORD[candidate]
    return "email" if "email" in tokens else None


def _recent(rng: Random, now: datetime) -> datetime:
    return now - timedelta(seconds=rng.randrange(_RECENT_SECONDS))


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _uuid(rng: Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _email(rng: Random) -> str:
    first, last = rng.choice(_FIRST).lower(), rng.choice(_LAST).lower()
    return f"{first}.{last}{rng.randrange(100)}@{rng.choice(_DOMAINS)}"


def _url(rng: Random) -> str:
    return f"https://{rng.choice(_DOMAINS)}/{word(rng)}/{rng.randrange(1, 1000)}"


def _title(rng: Random, max_length: int | None) -> str:
    words = " ".join(word(rng).capitalize() for _ in range(rng.randint(2, 4)))
    return words if max_length is None else cut(words, max_length)


def _ipv4(rng: Random) -> str:
    return f"{rng.randint(1, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randint(1, 254)}"


def _password(rng: Random) -> str:
    return "".join(rng.choice(_ALNUM) for _ in range(rng.randint(12, 16))) + "!"


def word(rng: Random) -> str:
    """A random lower-case word."""
    return rng.choice(_WORDS)


def cut(sentence: str, max_length: int, min_length: int = 0) -> str:
    """``sentence`` shortened to ``max_length`` on a word boundary when one is long enough."""
    if len(sentence) <= max_length:
        return sentence
    head = sentence[: max_length + 1]
    space = head.rfind(" ")
    # Cut mid-word only when no whole word fits (or the words left are below min_length).
    if space > 0 and len(head[:space].rstrip()) >= max(min_length, 1):
        return head[:space].rstrip()
    return sentence[:max_length]


def text(rng: Random, min_length: int = 0, max_length: int | None = None) -> str:
    """A sentence-like string within the bounds, cut on a word boundary wherever one fits."""
    upper = max(min_length, 40) if max_length is None else max_length
    target = min(max(rng.randint(12, 40), min_length), upper)
    parts: list[str] = []
    size = -1
    while size < target:
        parts.append(word(rng))
        size += len(parts[-1]) + 1
    sentence = cut(" ".join(parts), target, min_length).capitalize()
    if len(sentence) < min_length:  # only a cut mid-word could leave it short: fill it up
        sentence = (sentence + "a" * min_length)[:min_length]
    # A trailing space reads like a bug in a mock response; swap it for a letter.
    return sentence[:-1] + "a" if sentence.endswith(" ") else sentence


_STRING_KINDS: Final[dict[str, Callable[[Random, datetime, int | None], str]]] = {
    "email": lambda rng, now, n: _email(rng),
    "first_name": lambda rng, now, n: rng.choice(_FIRST),
    "last_name": lambda rng, now, n: rng.choice(_LAST),
    "full_name": lambda rng, now, n: f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
    "username": lambda rng, now, n: f"{rng.choice(_FIRST).lower()}_{rng.randrange(1000)}",
    "title": lambda rng, now, n: _title(rng, n),
    "text": lambda rng, now, n: text(rng, 0, n),
    "phone": lambda rng, now, n: f"+1555{rng.randrange(10**7):07d}",
    "city": lambda rng, now, n: rng.choice(_CITIES),
    "country": lambda rng, now, n: (
        rng.choice(_COUNTRY_CODES) if n is not None and n <= 3 else rng.choice(_COUNTRY_NAMES)
    ),
    "country_code": lambda rng, now, n: rng.choice(_COUNTRY_CODES),
    "currency": lambda rng, now, n: rng.choice(_CURRENCIES),
    "url": lambda rng, now, n: _url(rng),
    "image": lambda rng, now, n: f"https://img.example.com/{word(rng)}-{rng.randrange(100)}.png",
    "datetime": lambda rng, now, n: _rfc3339(_recent(rng, now)),
    "date": lambda rng, now, n: _recent(rng, now).date().isoformat(),
    "id": lambda rng, now, n: _uuid(rng),
    "status": lambda rng, now, n: rng.choice(_STATUSES),
    "street": lambda rng, now, n: f"{rng.randint(1, 250)} {rng.choice(_STREETS)}",
    "postal": lambda rng, now, n: f"{rng.randrange(10**5):05d}",
    "company": lambda rng, now, n: (
        f"{word(rng).capitalize()} {rng.choice(('Labs', 'Inc', 'GmbH'))}"
    ),
    "color": lambda rng, now, n: f"#{rng.getrandbits(24):06x}",
    "ip": lambda rng, now, n: _ipv4(rng),
    "language": lambda rng, now, n: rng.choice(_LANGUAGES),
    "timezone": lambda rng, now, n: rng.choice(_TIMEZONES),
    "slug": lambda rng, now, n: f"{word(rng)}-{word(rng)}",
    "word": lambda rng, now, n: word(rng),
    "password": lambda rng, now, n: _password(rng),
    "version": lambda rng, now, n: f"{rng.randint(0, 3)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}",
    "sku": lambda rng, now, n: f"SKU-{rng.randrange(10**5):05d}",
    "token": lambda rng, now, n: f"{rng.getrandbits(128):032x}",
    "filename": lambda rng, now, n: f"{word(rng)}.{rng.choice(('pdf', 'png', 'csv', 'txt'))}",
    "hostname": lambda rng, now, n: f"{word(rng)}.{rng.choice(_DOMAINS)}",
}

_INTEGER_KINDS: Final[dict[str, Callable[[Random, datetime], int]]] = {
    # Money as integer minor units (cents) avoids floating point in clients.
    "money": lambda rng, now: rng.randint(100, 100_000),
    "quantity": lambda rng, now: rng.randint(1, 10),
    "age": lambda rng, now: rng.randint(18, 90),
    "id": lambda rng, now: rng.randint(1, 99_999),
    "datetime": lambda rng, now: int(_recent(rng, now).timestamp()),
    "year": lambda rng, now: rng.randint(now.year - 30, now.year),
    "rating": lambda rng, now: rng.randint(1, 5),
    "percent": lambda rng, now: rng.randint(0, 100),
}

_NUMBER_KINDS: Final[dict[str, Callable[[Random, datetime], float]]] = {
    "money": lambda rng, now: round(rng.uniform(1, 1000), 2),
    "quantity": lambda rng, now: float(rng.randint(1, 10)),
    "latitude": lambda rng, now: round(rng.uniform(-90, 90), 6),
    "longitude": lambda rng, now: round(rng.uniform(-180, 180), 6),
    "rating": lambda rng, now: round(rng.uniform(1, 5), 1),
    "percent": lambda rng, now: round(rng.uniform(0, 100), 1),
    "age": lambda rng, now: float(rng.randint(18, 90)),
}


def name_value(
    name: str, kind: str, rng: Random, *, now: datetime, max_length: int | None = None
) -> object | None:
    """Suggest a value of JSON type ``kind`` for a property called ``name``, or ``None``."""
    semantic = _kind(name)
    if semantic is None:
        return None
    if kind == "string":
        make_string = _STRING_KINDS.get(semantic)
        return None if make_string is None else make_string(rng, now, max_length)
    if kind == "integer":
        make_int = _INTEGER_KINDS.get(semantic)
        return None if make_int is None else make_int(rng, now)
    if kind == "number":
        make_number = _NUMBER_KINDS.get(semantic) or _INTEGER_KINDS.get(semantic)
        return None if make_number is None else make_number(rng, now)
    return None


_FORMATS: Final[dict[str, Callable[[Random, datetime], str]]] = {
    "uuid": lambda rng, now: _uuid(rng),
    "email": lambda rng, now: _email(rng),
    "idn-email": lambda rng, now: _email(rng),
    "date-time": lambda rng, now: _rfc3339(_recent(rng, now)),
    "date": lambda rng, now: _recent(rng, now).date().isoformat(),
    "time": lambda rng, now: _recent(rng, now).strftime("%H:%M:%SZ"),
    "duration": lambda rng, now: rng.choice(_DURATIONS),
    "uri": lambda rng, now: _url(rng),
    "url": lambda rng, now: _url(rng),
    "iri": lambda rng, now: _url(rng),
    "uri-reference": lambda rng, now: f"/{word(rng)}/{rng.randrange(1, 1000)}",
    "iri-reference": lambda rng, now: f"/{word(rng)}/{rng.randrange(1, 1000)}",
    "uri-template": lambda rng, now: f"https://{rng.choice(_DOMAINS)}/{word(rng)}/{{id}}",
    "hostname": lambda rng, now: f"{word(rng)}.{rng.choice(_DOMAINS)}",
    "idn-hostname": lambda rng, now: f"{word(rng)}.{rng.choice(_DOMAINS)}",
    "ipv4": lambda rng, now: _ipv4(rng),
    "ipv6": lambda rng, now: ":".join(f"{rng.getrandbits(16):x}" for _ in range(8)),
    "byte": lambda rng, now: base64.b64encode(rng.randbytes(rng.randint(6, 24))).decode(),
    "binary": lambda rng, now: f"{rng.getrandbits(64):016x}",
    "password": lambda rng, now: _password(rng),
    "regex": lambda rng, now: rng.choice(_REGEXES),
    "json-pointer": lambda rng, now: f"/{word(rng)}/{rng.randrange(10)}",
    "relative-json-pointer": lambda rng, now: f"{rng.randrange(3)}/{word(rng)}",
}

# Shortest well-formed value per format, for tight maxLength bounds.
_COMPACT: Final = {
    "email": "a@b.io",
    "idn-email": "a@b.io",
    "uri": "urn:a",
    "url": "urn:a",
    "iri": "urn:a",
    "uri-reference": "/",
    "iri-reference": "/",
    "hostname": "a",
    "idn-hostname": "a",
    "json-pointer": "",
    "byte": "",
    "binary": "",
    "password": "",
}


def _pad(fmt: str, value: str, missing: int, rng: Random) -> str:
    """Lengthen a formatted value by ``missing`` characters without breaking its format."""
    filler = "".join(rng.choice(_ALNUM[:26]) for _ in range(missing))
    if fmt in ("email", "idn-email"):
        local, _, domain = value.partition("@")
        return f"{local}{filler}@{domain}"
    if fmt in ("uri", "url", "iri", "uri-reference", "iri-reference", "json-pointer"):
        return f"{value}/{filler[1:]}" if missing > 1 else f"{value}a"
    if fmt in ("byte",):
        # Base64 grows in steps of four characters, so overshoot and rely on the caller's check.
        return base64.b64encode(rng.randbytes((len(value) + missing) // 4 * 3 + 3)).decode()
    if fmt in ("hostname", "idn-hostname"):
        labels = [filler[i : i + 60] for i in range(0, missing - 1, 60)]
        return ".".join([*labels, value]) if labels else value + "a"
    if fmt in ("password", "binary"):
        return value + filler
    return value


def format_value(
    fmt: str, rng: Random, *, now: datetime, min_length: int = 0, max_length: int | None = None
) -> str | None:
    """A string in format ``fmt`` fitted to the length bounds, or ``None`` for unknown formats."""
    make = _FORMATS.get(fmt)
    if make is None:
        return None
    value = make(rng, now)
    if len(value) < min_length:
        value = _pad(fmt, value, min_length - len(value), rng)
    if max_length is not None and len(value) > max_length and fmt in _COMPACT:
        value = _COMPACT[fmt]
        if len(value) < min_length:
            value = _pad(fmt, value, min_length - len(value), rng)
    return value
