"""Name dictionaries from packages that ship them (no model download): Faker's locale lists,
gender-guesser's 48k-name table (first names used in India, and the common English ones),
and indian-names' first and last names.

Faker's lists are vendored (``faker_names.txt`` beside this module, written by
``python -m detectors.names --vendor-faker``): Faker is only needed to generate sample
data (the ``samples`` extra), so executors do not install it, and the dictionary must not
depend on whether, or which version of, Faker a machine has, or ``detect`` on a laptop and
a scan on a cluster would find different people.

They let free text be checked for ``First Last`` pairs cheaply. Common English and log words
that double as names (``Will``, ``May``, ``Grant``) are removed so that capitalised prose does
not read as people.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.resources
import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path

from detectors.cache import cache_file, write_atomically

log = logging.getLogger(__name__)

_FAKER_LOCALES = ("en_IN", "en_US", "en_GB", "en_CA", "en_AU", "en_NZ", "en_IE")
# Column order of gender-guesser's nam_dict.txt frequency columns (its detector.COUNTRIES).
_GG_INDIA, _GG_BRITAIN, _GG_USA = 48, 0, 2
_GG_COMMON_ENGLISH = 4  # frequency class (hex digit) from which an English name counts

# Words that are first or last names in some list but mostly mean something else in logs.
_COMMON_WORDS = frozenset(
    """
    will may june april august grace hope joy faith mark bill rose summer page chase grant
    dean miles guy art frank jack an am as at be by do go he if in is it me my no of on or so
    to up us we long young green white black brown king hill wood stone rice banks lane mills
    hall cross ward bell day nash cook baker fox hunt price gay case rich sky storm dawn
    river major north south west east ray lee job task early love sage reed bay park field
    server client admin user guest test null none true false error info debug warn fatal
    trace main block order service request response status state ok mode level house
    """.split()
)


_VENDORED = "faker_names.txt"
_FAKER_ATTRS = {
    "first": ("first_names", "first_names_male", "first_names_female"),
    "last": ("last_names",),
}


def _faker_from_package(kind: str) -> set[str]:
    """The names of ``kind`` (first, last) in the installed Faker's person providers."""
    names: set[str] = set()
    for locale in _FAKER_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:
            continue
        for attr in _FAKER_ATTRS[kind]:
            names.update(getattr(provider, attr, ()) or ())
    return names


def _vendored_text() -> str:
    return (importlib.resources.files("detectors") / _VENDORED).read_text("utf-8")


def _faker(kind: str) -> set[str]:
    """Faker's names of ``kind`` (first, last), from the vendored file."""
    names: set[str] = set()
    section = None
    for line in _vendored_text().splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == kind:
            names.add(line)
    return names


def vendor_faker(path: Path | None = None) -> Path:
    """Write Faker's lists (the installed Faker) to the vendored file; returns its path."""
    import faker

    path = path or Path(__file__).with_name(_VENDORED)
    lines = [
        f"# Person names from Faker {faker.VERSION} (MIT licence, (c) joke2k and contributors),",
        f"# providers faker.providers.person.{{{','.join(_FAKER_LOCALES)}}} (those present).",
        "# Written by `python -m detectors.names --vendor-faker`; read by detectors.names.",
    ]
    for kind in _FAKER_ATTRS:
        lines += [f"[{kind}]", *sorted(n for n in _faker_from_package(kind) if "\n" not in n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _indian_names(filename: str) -> set[str]:
    try:
        text = (importlib.resources.files("indian_names") / filename).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        log.debug("indian-names not installed; its %s list is not used", filename)
        return set()
    return {line.strip().title() for line in text.splitlines() if line.strip()}


def _gender_guesser() -> set[str]:
    try:
        path = importlib.resources.files("gender_guesser") / "data/nam_dict.txt"
        text = path.read_text(encoding="iso-8859-1")
    except (ModuleNotFoundError, FileNotFoundError):
        log.debug("gender-guesser not installed; its name table is not used")
        return set()
    names: set[str] = set()
    for line in text.splitlines():
        if line.startswith("#") or len(line) <= 30 or line[0] in "=?":
            continue
        name = line[3:29].strip()
        if not name.isalpha():
            continue
        freq = line[30:]

        def level(col: int, freq: str = freq) -> int:
            ch = freq[col] if col < len(freq) else " "
            return int(ch, 16) if ch in "0123456789ABCDEF" else 0

        if level(_GG_INDIA) or max(level(_GG_USA), level(_GG_BRITAIN)) >= _GG_COMMON_ENGLISH:
            names.add(name)
    return names


def _clean(names: set[str]) -> frozenset[str]:
    return frozenset(
        n for n in names if n.isalpha() and len(n) > 1 and n.lower() not in _COMMON_WORDS
    )


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


@cache
def _sources_key() -> tuple[str, ...]:
    """What the lists are built from: the two packages' versions, the vendored Faker lists
    and this module's code."""
    here = Path(__file__).read_bytes()
    versions = (_version(p) for p in ("gender-guesser", "indian-names"))
    return (*versions, repr(here), _vendored_text())


def _cached(kind: str, build: Callable[[], frozenset[str]]) -> frozenset[str]:
    """``build()``, kept on disk: parsing the packages' lists costs ~0.5 s in every process
    that builds an engine (each Spark worker, each `piisweep detect`); reading it back ~10 ms."""
    path = cache_file(f"names-{kind}", _sources_key(), suffix=".txt")
    if path is not None:
        try:
            return frozenset(filter(None, path.read_text("utf-8").split("\n")))
        except (OSError, UnicodeDecodeError):
            pass
    names = build()
    if path is not None:
        write_atomically(path, "\n".join(sorted(names)).encode("utf-8"))
    return names


@cache
def first_names() -> frozenset[str]:
    """First names that are not also common words: safe to look for in any text."""
    return _clean(set(all_first_names()))


@cache
def all_first_names() -> frozenset[str]:
    """First names including those that are also common words (Grant, Will, Hope): usable
    only where a salutation already says a name follows."""
    return _cached("first", _build_first_names)


def _build_first_names() -> frozenset[str]:
    names = _faker("first")
    names |= _gender_guesser()
    names |= _indian_names("first.male.names") | _indian_names("first.female.names")
    return frozenset(n for n in names if n.isalpha() and len(n) > 1)


@cache
def last_names() -> frozenset[str]:
    return _cached("last", lambda: _clean(_faker("last") | _indian_names("last.names")))


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--vendor-faker"]:
        sys.exit("usage: python -m detectors.names --vendor-faker")
    print(f"wrote {vendor_faker()}")
