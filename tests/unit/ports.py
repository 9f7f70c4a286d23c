"""A compiled validator held to its Python original on one value: both read the value as
it stands after ``key=`` (or after ``note ``, with no key), and must give the same verdict
(None, or the same score delta). ``_native._validate`` runs the port by name; the test
modules that call this skip themselves where the core is not built."""

from __future__ import annotations

from collections.abc import Callable


def agree(
    port: str,
    reference: Callable[[str, str, int, int], float | None],
    key: str | None,
    value: str,
) -> None:
    from detectors import _native

    head = f"{key}=" if key is not None else "note "
    line = head + value
    start = len(head)
    end = start + len(value)
    want = reference(value, line, start, end)
    got = _native._validate(port, line.encode("utf-8", "surrogateescape"), start, end)
    assert got == want, (key, value)
