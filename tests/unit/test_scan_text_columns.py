"""``piisweep scan`` on plain text through the array path (``jobs.textrows.TextRows.redact``
in ``jobs.unit_scan._UnitScan._text_block``) against the reference it stands in for
(``jobs.blocks.scan_line_block`` and a row per finding, which the Python engine runs):
the same findings rows in the same order, the same redacted copy and the same unit status,
on real and generated logs (plain and gzip), on invalid UTF-8 read as Windows-1252,
non-ASCII names, CRLF, overlapping spans, mask characters, private keys across lines and
across blocks (a small ``chunk_bytes`` forces a block boundary inside one), byte ranges,
and random lines, under the default policy, the ISCP preset and a policy whose operators
may refuse a value.
"""

from __future__ import annotations

import functools
import gzip
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors.engine import Engine
from detectors.policy import Policy
from jobs import textrows, unit_scan
from tests.unit.hostile import Scanned, scan_path
from tests.unit.test_detect_text_rows import EVERY_FALLIBLE, PEM, SPECIAL, _line

ROOT = Path(__file__).resolve().parents[2]
POLICIES = {
    "default": lambda: Policy.default(),
    "iscp": lambda: Policy.load(ROOT / "conf/policies/iscp.yaml"),
    "every-fallible": lambda: Policy.from_dict(EVERY_FALLIBLE),
}
HOSTILE = b"".join(
    [
        b"caf\xe9 ravi@example.com \x93quoted\x94 9876543210\r\n",
        "Ünïcödé Ravi Kumär +91 98765 43210, rávi@exämple.com\n".encode(),
        b"mail ravi.kumar@example.com9876543210 ip 10.1.2.3 10.1.2.3\n",
        b"card 4111111111111111 ssn 123-45-6789 phone +91-9876543210 otp 482913\r\n",
        "mask chars **** xxxx ●●●● ##### Ravi Kumar ravi@example.com\n".encode(),
        b"dob 1990-05-04 dob 31/02/1990 ip ::1 address: 12 MG Road, Bengaluru 560001\n",
        b"\n",
        b"user Ravi Kumar pan ABCPE1234F aadhaar 2345 6789 0124 \xff\xfe end\n",
        b"9876543210 \r\r\n",  # a CR before CRLF: hypothesis found the paths disagreed
        b"keep as is 10.0.0.1\r\r\n",
    ]
)


@functools.cache
def _python_engine() -> Engine:
    return Engine.default()


def _policy(policy: str | Policy) -> Policy:
    return policy if isinstance(policy, Policy) else POLICIES[policy]()  # type: ignore[no-untyped-call]


def _scan(
    path: Path,
    work: Path,
    policy: str | Policy,
    *,
    reference: bool,
    python: bool = False,
    check: bool = True,
    **args: Any,
) -> Scanned:
    """``path`` scanned as one unit; ``reference`` True takes the reference path (with the
    native engine unless ``python``), False the array path, and each is checked to be the
    one that ran (``check``: the input has spans)."""
    calls: list[int] = []
    real = textrows.TextRows.redact

    def counted(self, *a):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(self, *a)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(textrows.TextRows, "redact", counted)
        if reference and not python:
            m.setattr(unit_scan._UnitScan, "_text_rows", lambda self: None)
        engine = _python_engine() if python else None
        scanned = scan_path(path, work, policy=_policy(policy), engine_=engine, **args)
    if check:
        assert bool(calls) == (not reference)  # each path is the one meant
    return scanned


def _comparable(scanned: Scanned) -> tuple[Any, ...]:
    """What the two paths must agree on: findings rows in order, the copy, the status."""
    status = scanned.status.as_row()
    status.pop("seconds")
    copy = scanned.copy
    return (
        scanned.findings.to_pylist(),
        None if copy is None else (copy.schema, copy.to_pylist()),
        status,
    )


def _inputs(tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, Any]]]:
    """(name, file, ScanJob arguments) of the inputs both paths are held to."""
    from bench.generate import generate

    real = ROOT / "tests/data/reallogs/apache_access/apache_logs.log.gz"
    yield "apache, gzip", real, {}
    yield "system logs", ROOT / "tests/data/system_logs.txt", {"chunk_bytes": 4096}
    corpus = tmp_path / "corpus.log"
    generate(11, corpus, tmp_path / "corpus.labels", lines=1500)
    yield "generated, 4 KB blocks", corpus, {"chunk_bytes": 4096}
    hostile = tmp_path / "hostile.log"
    hostile.write_bytes(SPECIAL + HOSTILE * 3 + b"x\n" + PEM.encode() * 2 + b"last 9876543210")
    yield "hostile", hostile, {}
    yield "hostile, 64-byte blocks", hostile, {"chunk_bytes": 64}
    packed = tmp_path / "hostile.log.gz"
    packed.write_bytes(gzip.compress(hostile.read_bytes()))
    yield "hostile, gzip, 200-byte blocks", packed, {"chunk_bytes": 200}


@pytest.mark.parametrize("policy", list(POLICIES))
def test_scan_of_text_equals_the_reference_path(policy: str, tmp_path: Path) -> None:
    for i, (name, path, args) in enumerate(_inputs(tmp_path)):
        fast = _scan(path, tmp_path / f"f{i}", policy, reference=False, **args)
        ref = _scan(path, tmp_path / f"r{i}", policy, reference=True, **args)
        assert fast.findings.num_rows, name  # an empty comparison proves nothing
        assert _comparable(fast) == _comparable(ref), name


@pytest.mark.parametrize("policy", ["default", "every-fallible"])
def test_scan_of_hostile_text_equals_the_python_engine(policy: str, tmp_path: Path) -> None:
    path = tmp_path / "hostile.log"
    path.write_bytes(SPECIAL + HOSTILE * 2 + PEM.encode() + b"no final newline ravi@example.com")
    for chunk in (64, 1 << 20):
        fast = _scan(path, tmp_path / f"f{chunk}", policy, reference=False, chunk_bytes=chunk)
        ref = _scan(
            path, tmp_path / f"p{chunk}", policy, reference=True, python=True, chunk_bytes=chunk
        )
        assert _comparable(fast) == _comparable(ref)
        assert fast.status.flags["lines_decoded_as_cp1252"] > 0


def _assert_ranges_equal_the_reference(
    scan: Callable[..., Scanned], path: Path, work: Path, chunk_bytes: int
) -> None:
    """``path`` cut into three byte ranges (none on a line boundary), each scanned as a unit
    by the array path and by the reference (``scan``: a module's ``_scan``): the same."""
    size = path.stat().st_size
    cuts = [0, size // 3, size // 2 + 7, size]
    for seq, (start, end) in enumerate(itertools.pairwise(cuts)):
        args = {"start": start, "end": end, "seq": seq, "parts": 3, "chunk_bytes": chunk_bytes}
        fast = scan(path, work / f"f{seq}", "default", reference=False, **args)
        ref = scan(path, work / f"r{seq}", "default", reference=True, **args)
        assert _comparable(fast) == _comparable(ref), (start, end)


def test_byte_ranges_of_text_equal_the_reference_path(tmp_path: Path) -> None:
    path = tmp_path / "hostile.log"
    path.write_bytes((HOSTILE + PEM.encode()) * 4)
    _assert_ranges_equal_the_reference(_scan, path, tmp_path, chunk_bytes=128)


def test_a_private_key_across_blocks_is_found_and_redacted_whole(tmp_path: Path) -> None:
    path = tmp_path / "pem.log"
    path.write_bytes(b"before\n" + PEM.encode() + b"after 9876543210\n")
    fast = _scan(path, tmp_path / "f", "default", reference=False, chunk_bytes=48)
    keys = [
        r["line_number"] for r in fast.findings.to_pylist() if r["entity_type"] == "PRIVATE_KEY"
    ]
    assert keys == list(range(2, 12))  # BEGIN, eight body lines, END, each in its block
    assert fast.copy is not None
    lines = fast.copy.column("line").to_pylist()
    assert not any("MIIEowIBAAKCAQEA" in line for line in lines)
    assert lines[0] == "before"
    ref = _scan(path, tmp_path / "r", "default", reference=True, chunk_bytes=48)
    assert _comparable(fast) == _comparable(ref)


def test_a_line_a_drop_empties_is_an_empty_line_not_a_null(tmp_path: Path) -> None:
    """``redact_cells`` gives None for a value a ``drop`` empties (a null field); a text
    line is the reference's text around the dropped value."""
    path = tmp_path / "drop.log"
    path.write_bytes(b"ravi@example.com\n  ravi@example.com \nkeep me\n")
    policy = Policy.from_dict({"version": 1, "entities": {"EMAIL_ADDRESS": {"action": "drop"}}})
    fast = _scan(path, tmp_path / "f", policy, reference=False)
    ref = _scan(path, tmp_path / "r", policy, reference=True)
    assert fast.copy is not None
    assert fast.copy.column("line").to_pylist() == ["", "   ", "keep me"]
    assert _comparable(fast) == _comparable(ref)


@pytest.mark.parametrize(
    ("data", "rule", "want"),
    [
        # A replacement text holding a newline stays inside its line.
        (
            b"to ravi@example.com\nkeep\n",
            {"action": "replace", "text": "[E\nMAIL]"},
            ["to [E\nMAIL]", "keep"],
        ),
        # The last line, without its newline, emptied by a drop stays a line.
        (b"keep\nravi@example.com", {"action": "drop"}, ["keep", ""]),
    ],
)
def test_a_replacement_that_would_move_line_breaks_keeps_every_line(
    data: bytes, rule: dict[str, Any], want: list[str], tmp_path: Path
) -> None:
    """A changed line is one line of the copy, whatever its new text holds: a newline
    written by the policy does not split it, and the last line emptied is not lost."""
    path = tmp_path / "breaks.log"
    path.write_bytes(data)
    policy = Policy.from_dict({"version": 1, "entities": {"EMAIL_ADDRESS": rule}})
    fast = _scan(path, tmp_path / "f", policy, reference=False)
    ref = _scan(path, tmp_path / "r", policy, reference=True)
    assert fast.copy is not None
    assert fast.copy.column("line").to_pylist() == want
    assert _comparable(fast) == _comparable(ref)


# ------------------------------------------------------------------ random lines
_ending = st.sampled_from([b"\n", b"\r\n"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(_line, _ending), min_size=1, max_size=12),
    st.sampled_from(list(POLICIES)),
    st.sampled_from([16, 200, 1 << 20]),
)
def test_random_lines_equal_the_reference_path(
    tmp_path: Path, lines: list[tuple[bytes, bytes]], policy: str, chunk: int
) -> None:
    path = tmp_path / "random.log"
    path.write_bytes(b"".join(line + end for line, end in lines))
    fast, ref = (
        _scan(path, tmp_path / str(r), policy, reference=r, check=False, chunk_bytes=chunk)
        for r in (False, True)
    )
    assert _comparable(fast) == _comparable(ref)
