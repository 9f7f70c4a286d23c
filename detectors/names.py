"""Name dictionaries, taken from the locale lists Faker ships (no model download).

They let free text be checked for ``First Last`` pairs cheaply. Common English and log words
that double as first names (``Will``, ``May``, ``Grant``) are removed so that capitalised
prose does not read as people.
"""

from __future__ import annotations

import importlib
from functools import cache

_LOCALES = ("en_IN", "en_US", "en_GB", "en_CA", "en_AU", "en_NZ", "en_IE")

# Words that are first or last names in some list but mostly mean something else in logs.
_COMMON_WORDS = frozenset(
    [
        "will",
        "may",
        "june",
        "april",
        "august",
        "grace",
        "hope",
        "joy",
        "faith",
        "mark",
        "bill",
        "rose",
        "summer",
        "page",
        "chase",
        "grant",
        "dean",
        "miles",
        "guy",
        "art",
        "frank",
        "jack",
        "an",
        "am",
        "as",
        "at",
        "be",
        "by",
        "do",
        "go",
        "he",
        "if",
        "in",
        "is",
        "it",
        "me",
        "my",
        "no",
        "of",
        "on",
        "or",
        "so",
        "to",
        "up",
        "us",
        "we",
        "long",
        "young",
        "green",
        "white",
        "black",
        "brown",
        "king",
        "hill",
        "wood",
        "stone",
        "rice",
        "banks",
        "lane",
        "mills",
        "hall",
        "cross",
        "ward",
        "bell",
        "day",
        "nash",
        "cook",
        "baker",
        "fox",
        "hunt",
        "price",
        "gay",
        "case",
        "rich",
        "sky",
        "storm",
        "dawn",
        "river",
        "major",
        "north",
        "south",
        "west",
        "east",
        "ray",
        "lee",
        "job",
        "task",
        "early",
        "love",
        "sage",
        "reed",
        "bay",
        "park",
        "field",
        "server",
        "client",
        "admin",
        "user",
        "guest",
        "test",
        "null",
        "none",
        "true",
        "false",
        "error",
        "info",
        "debug",
        "warn",
        "fatal",
        "trace",
        "main",
        "block",
        "order",
        "service",
        "request",
        "response",
        "status",
        "state",
        "ok",
        "mode",
        "level",
        "house",
    ]
)


def _provider(locale: str) -> object | None:
    try:
        return importlib.import_module(f"faker.providers.person.{locale}").Provider
    except ImportError:
        return None


@cache
def first_names() -> frozenset[str]:
    names: set[str] = set()
    for locale in _LOCALES:
        provider = _provider(locale)
        for attr in ("first_names", "first_names_male", "first_names_female"):
            names.update(getattr(provider, attr, ()) or ())
    return frozenset(n for n in names if n.isalpha() and n.lower() not in _COMMON_WORDS)


@cache
def last_names() -> frozenset[str]:
    names: set[str] = set()
    for locale in _LOCALES:
        names.update(getattr(_provider(locale), "last_names", ()) or ())
    return frozenset(n for n in names if n.isalpha() and n.lower() not in _COMMON_WORDS)
