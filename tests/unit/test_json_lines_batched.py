"""The batched JSON Lines path (``process_json_texts``: every record's leaves scanned column
by column) held to the per-leaf reference (``process_json_text``, one ``scan_text`` per
leaf) on hostile lines, under the default policy and the ``iscp`` record rules (#14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.engine import Engine
from detectors.keys import KeyRing
from detectors.leafscan import scan_leaf_texts
from detectors.policy import Policy
from detectors.records import process_json_text, process_json_texts, process_record
from detectors.structured import leaf_texts, leaves, plain_leaf_texts

ISCP = Path(__file__).resolve().parents[2] / "conf" / "policies" / "iscp.yaml"
KEYS = KeyRing(fingerprint_key=b"f" * 32, token_key=b"t" * 32)
LINES = [
    '{"name": "Rahul Sharma", "phone": "9876543210", "email": "rahul.s@gmail.com"}',
    '{"c": {"name": "Jos\\u00e9 M\\u00fcller", "note": "say \\"hi\\" to 9876543210"}}',
    '{"upi": "priya92@paytm", "aadhar": "1234 5678 9012", "aadhar": 123456789012}',
    "{'name': 'Anita Johnson', 'phone': '9876543210',}",
    '{name: "Anita Johnson", phone: 9876543210, ok: True}',
    '{"name": "Anita Johnson", "phone": 98765 43210}',
    "[" * 3000 + '"9876543210"' + "]" * 3000,
    '{"rahul.s@gmail.com": {"phone": "9876543210"}, "9876543210": "x", "a b": "c"}',
    '{"k": "line1\\nphone 9876543210\\r\\nemail rahul.s@gmail.com", "n": null, "f": 1.5}',
    '{"k": "-----BEGIN RSA PRIVATE KEY-----", "k2": "MIIEowIBAAKCAQEA", "k3": "abc"}',
    '{"ip": "49.36.112.7", "device_id": "abcdef123456", "user_id": "u1", "pin": "411001"}',
    json.dumps([{"phone": "9876543210"}, "rahul.s@gmail.com", 9876543210, None]),
    '{"": "9876543210", "__": "rahul.s@gmail.com", "x": "raw \udcff 9876543210"}',
    "not json at all, phone 9876543210",
]


@pytest.fixture(scope="module")
def engine(engine_class: type[Engine]) -> Engine:
    return engine_class.default()


@pytest.mark.parametrize("policy", [Policy.default(), Policy.load(ISCP)], ids=["default", "iscp"])
def test_when_lines_are_judged_in_a_batch_then_results_equal_the_per_leaf_path(engine, policy):
    batched = process_json_texts(engine, LINES, policy, KEYS)
    for line, got in zip(LINES, batched, strict=True):
        want = process_json_text(engine, line, policy, KEYS)
        assert (got.line, got.is_pii, got.status, got.repairs, got.reasons) == (
            want.line,
            want.is_pii,
            want.status,
            want.repairs,
            want.reasons,
        )
        assert got.findings == want.findings


def test_when_leaves_are_scanned_as_columns_then_spans_equal_scan_text(engine):
    items = [
        ("9876543210", "phone"),
        ("Rahul Sharma", "name"),
        ("a\nrahul.s@gmail.com", "note"),
        ("-----BEGIN RSA PRIVATE KEY-----", "note"),
        ("MIIEowIBAAKCAQEA", "note"),
        ("rahul.s@gmail.com", None),
        ("x \udcff 9876543210", ""),
    ]
    assert scan_leaf_texts(engine, items) == [engine.scan_text(t, field=f) for t, f in items]


_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
_KEYS = st.sampled_from(["name", "phone", "_x", "a1", "a b", "rahul@x.in", "9876543210", ""])
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_VALUES)
def test_one_walk_gives_the_leaves_and_paths_of_a_record_whose_keys_are_identifiers(value):
    """``plain_leaf_texts`` (the batched path's one walk) must give the texts ``leaf_texts``
    gives and the paths ``leaves`` gives, and step aside (None) for any key that is not
    an identifier."""
    plain = plain_leaf_texts(value)
    texts = leaf_texts(value)
    walked = leaves(None, value, iter([[]] * len(texts)))  # type: ignore[arg-type]
    if any(leaf.is_key for leaf in walked):
        assert plain is None
    else:
        assert plain == ([leaf.path for leaf in walked], texts)
        assert texts == [(leaf.text, leaf.field) for leaf in walked]


_WALKED = [
    json.dumps(r, ensure_ascii=False)
    for r in [
        {"name": "Rahul Sharma", "phone": "9876543210", "email": "rahul.s@gmail.com"},
        {"first_name": "Anita", "last_name": "Johnson", "city": "Pune", "order_id": "x"},
        {"msg": "paid by 4111 1111 1111 1111 from 49.36.112.7", "n": [1, 2.5, None, True]},
        {"a": {"b": [{"phone": 9876543210}, "José Müller"]}, "pin_code": "411001"},
        {"note": "nothing here", "ts": 1700000000123},
        {"ip": "10.0.0.7", "user_id": "u-77", "upi": "priya92@paytm"},
        # keys alike after normalize_field, scanned as one column under the first
        {"phoneNumber": "9876543210", "phone_number": "98765 43210", "PHONE_NUMBER": "x"},
        {"Email": "rahul.s@gmail.com", "email": "ravi@example.in", "e_mail": "9876543210"},
    ]
]


@pytest.mark.parametrize("policy", [Policy.default(), Policy.load(ISCP)], ids=["default", "iscp"])
def test_a_jsonl_block_judges_walked_lines_as_their_records_and_keeps_the_rest_in_place(
    engine: Engine, policy: Policy
) -> None:
    """``scan_line_block`` on JSON Lines mixing lines the walk takes with lines it refuses
    (repairable, not JSON, keys that need labels, too deep): each walked line is judged
    exactly as ``process_json_text`` judges it alone, and the refused lines give, at their
    own line numbers, what a block of only them gives."""
    from detectors.jsonwalk import walk_line
    from detectors.records import rules_of
    from jobs.blocks import Shared, scan_line_block

    pairs = zip(_WALKED, LINES[: len(_WALKED)], strict=True)
    mixed = [line for pair in pairs for line in pair] + LINES[len(_WALKED) :]
    assert len(LINES) >= len(_WALKED)
    raw = [line.encode("utf-8", "surrogateescape") for line in mixed]
    walked = [walk_line(line) is not None for line in raw]
    assert any(walked) and not all(walked)
    shared = Shared(engine, policy, KEYS, rules_of(policy))
    got = scan_line_block(b"\n".join(raw), None, True, shared)
    refused = [i for i, w in enumerate(walked) if not w]
    alone = scan_line_block(b"\n".join(raw[i] for i in refused), None, True, shared)
    threshold = policy.threshold
    for i, line in enumerate(mixed):
        mine = [(f.field_path, f.text, f.span, f.action) for f in got.findings if f.row == i]
        if walked[i]:
            want = process_json_text(engine, line, policy, KEYS)
            wanted = [(f.field_path, f.text, f.span, f.action) for f in want.findings]
            assert mine == [w for w in wanted if w[2].score >= threshold]
            assert got.pii[i] == want.is_pii
            assert got.changed.get(i, line) == want.line
        else:
            j = refused.index(i)
            theirs = [
                (f.field_path, f.text, f.span, f.action) for f in alone.findings if f.row == j
            ]
            assert mine == theirs
            assert (got.pii[i], got.changed.get(i)) == (alone.pii[j], alone.changed.get(j))
    assert [f.row for f in got.findings] == sorted(f.row for f in got.findings)
    assert any(got.pii[i] for i, w in enumerate(walked) if w)
    assert any(f.row in refused for f in got.findings)


@pytest.mark.parametrize("policy", [Policy.default(), Policy.load(ISCP)], ids=["default", "iscp"])
def test_a_block_with_too_many_keys_is_read_as_if_no_line_were_walked(
    engine: Engine, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``MAX_WALKED_KEYS`` distinct keys a block is not walked (one column call a
    key): it gives exactly what it gives when the walk refuses every line."""
    from dataclasses import replace

    import numpy as np

    from detectors.records import rules_of
    from jobs import blocks

    block = "\n".join(_WALKED + LINES).encode("utf-8", "surrogateescape")
    shared = blocks.Shared(engine, policy, KEYS, rules_of(policy))
    scanned: list[int] = []  # lines the buffer pass read, call by call
    buffer_pass = engine.scan_lines

    def counted(data: bytes, state: object) -> object:
        scanned.append(data.count(b"\n") + 1)
        return buffer_pass(data, state)

    monkeypatch.setattr(engine, "scan_lines", counted)
    monkeypatch.setattr(blocks, "MAX_WALKED_KEYS", 3)
    capped = blocks.scan_line_block(block, None, True, shared)
    assert scanned == [block.count(b"\n") + 1]  # every line, as if none were walked
    monkeypatch.setattr(blocks, "MAX_WALKED_KEYS", 10**6)
    walk = engine.json_leaves(block)
    assert walk.walked.sum() >= len(_WALKED) and len(walk.fields) > 3
    refused = replace(walk, walked=np.zeros_like(walk.walked))
    monkeypatch.setattr(engine, "json_leaves", lambda _block: refused)
    unwalked = blocks.scan_line_block(block, None, True, shared)
    assert (capped.changed, list(capped.pii), capped.findings) == (
        unwalked.changed,
        list(unwalked.pii),
        unwalked.findings,
    )
    assert capped.findings


def _reference_document(text: str | bytes, shared: object) -> object:
    """``judge_json_document`` as it was: ``json.loads`` of the whole document, then each
    record judged (the element-at-a-time reading is held to it)."""
    from detectors.jsonrepair import without_lone_surrogates
    from jobs.blocks import JsonDocument

    try:
        doc = json.loads(text)
    except ValueError:
        return None
    # (It decoded bytes as UTF-8 here, so a UTF-16 document with "\ud800" in it reached
    # the scanner with a lone surrogate and failed; the element reader fixed that.)
    raw = (
        text if isinstance(text, str) else text.decode(json.detect_encoding(text), "surrogatepass")
    )
    doc, _ = without_lone_surrogates(doc, raw)
    array = isinstance(doc, list)
    out = JsonDocument([], [], [], array)
    ctx = shared
    for i, record in enumerate(doc if array else [doc]):
        res = process_record(ctx.engine, record, ctx.policy, ctx.keys, ctx.rules)  # type: ignore[attr-defined]
        out.findings += [
            (i, f.field_path, f.text, f.span, f.action)
            for f in res.findings
            if f.span.score >= ctx.policy.threshold
        ]  # type: ignore[attr-defined]
        out.records.append(res.json())
        out.pii.append(res.is_pii)
    return out


_DOC_VALUES = st.recursive(
    st.sampled_from(["9876543210", "rahul.s@gmail.com", "Pune", 9876543210, 1.5, None, True])
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["phone", "email", "name", "a b", "x"]), inner, max_size=3
        )
    ),
    max_leaves=10,
)
_DOC_PIECES = st.sampled_from(
    ["", " ", "\n", ",", "]", "[", "}", "x", "\ufeff", "\\ud800", '"', "1", "NaN", "[]"]
)


@settings(max_examples=200, deadline=None)
@given(
    value=st.lists(_DOC_VALUES, max_size=4) | _DOC_VALUES,
    indent=st.sampled_from([None, 1]),
    piece=_DOC_PIECES,
    where=st.floats(0, 1),
    encoding=st.sampled_from(["str", "utf-8", "utf-16"]),
)
def test_a_json_document_read_element_by_element_equals_the_whole_parse(
    value: object, indent: int | None, piece: str, where: float, encoding: str
) -> None:
    """``judge_json_document`` reads a top-level array an element at a time: records,
    verdicts, findings and the not-JSON answer (None) are those of parsing the whole
    document first, on generated documents with a piece spliced in (a stray comma or
    bracket, a BOM, a lone surrogate escape, NaN, text after the value) and in bytes."""
    from detectors.records import rules_of
    from jobs.blocks import Shared, judge_json_document

    text = json.dumps(value, indent=indent)
    cut = int(where * len(text))
    text = text[:cut] + piece + text[cut:]
    data: str | bytes = text if encoding == "str" else text.encode(encoding, "surrogatepass")
    policy = Policy.default()
    shared = Shared(_ENGINE, policy, KEYS, rules_of(policy))
    got = judge_json_document(data, shared)
    want = _reference_document(data, shared)
    if want is None:
        assert got is None
        return
    assert got is not None
    assert (got.array, got.records, got.pii) == (want.array, want.records, want.pii)  # type: ignore[attr-defined]
    assert [(f.row, f.field_path, f.text, f.span, f.action) for f in got.findings] == want.findings  # type: ignore[attr-defined]


_ENGINE = Engine.default()
