"""The detector engine: one multi-pattern pass, then Python on the candidates only.

``scan_lines`` is the hot path: a whole buffer of newline-separated records goes through the
trigger scanner once; only lines where some trigger fired are decoded and handed to the
precise patterns, validators and context scoring of the detectors that fired there. Overlaps
are resolved so one value is one entity, and scores below the threshold are dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from detectors import urlencoded
from detectors.builtin import builtin_detectors
from detectors.colspans import ColumnSpans
from detectors.columns import joined_buffer
from detectors.context import field_matches, key_before, normalize_field, window_before
from detectors.jsonwalk import JsonLeaves, walk_block
from detectors.overlaps import merged_ranges, resolve
from detectors.registry import Detector, Trigger
from detectors.scanner import TriggerScanner
from detectors.spans import Span

log = logging.getLogger(__name__)

CONTEXT_BOOST = 0.3
FIELD_BOOST = 0.35
KEY_PENALTY = 0.5
WINDOW_PENALTY = 0.25
NEGATIVE_WINDOW = 10
# A trigger hit that stands for "search the whole line".
_WHOLE = (0, -1)


# A line inside a PEM block: base64, an RFC 1421 header, blank, or the END marker.
_PEM_BODY = re.compile(
    r"[A-Za-z0-9+/=]{0,100}$|(?:Proc-Type|DEK-Info|Comment): |-----END [A-Z0-9 ]*PRIVATE KEY"
)


def _hit_windows(
    ids: list[int], starts: list[int], ends: list[int], lo: int, exact: bool
) -> dict[int, list[tuple[int, int]]]:
    """Trigger hits grouped by detector, as (start, end) relative to the line at ``lo``;
    without exact offsets (non-ASCII line, ``re`` fallback) the whole line, once."""
    if not exact:
        return {i: [_WHOLE] for i in ids}
    hits: dict[int, list[tuple[int, int]]] = {}
    for i, a, b in zip(ids, starts, ends, strict=True):
        hits.setdefault(i, []).append((a - lo, b - lo))
    return hits


def _joined_lines(values: Sequence[str | None]) -> str:
    """The values as ``\\n``-separated lines (a null as an empty one), with line breaks
    inside a value turned into spaces, which keeps every offset. Values rarely hold one,
    so the column is joined as it is and only redone value by value when it does."""
    flat = "\n".join(["" if v is None else v for v in values])
    if "\r" in flat or flat.count("\n") >= len(values):  # more breaks than separators
        flat = "\n".join(
            "" if v is None else v.replace("\n", " ").replace("\r", " ") for v in values
        )
    return flat


def _looks_masked(value: str) -> bool:
    """A value whose letters and digits are largely mask characters (``98XXXXXX10``,
    ``liXX.X@shopkart.in``, ``KXXX YXXX``, ``****1234``): a redacted copy must rescan
    clean, and a masked value is no live data anyway."""
    part = value.partition("@")[0]  # an e-mail's or VPA's domain is kept when masking
    masks = part.count("X") + part.count("*")
    if masks and all(ch in "X*" or not ch.isalnum() for ch in part):
        return True  # nothing but mask characters and punctuation: "X.X@yahoo.com"
    if masks < 2 or ("XX" not in part and "**" not in part):
        return False
    return masks * 10 >= 3 * (sum(ch.isalnum() for ch in part) + part.count("*"))


def _opens_pem_block(line: str, span: Span) -> bool:
    """A PRIVATE_KEY span that runs to the end of its line without an END marker."""
    return (
        span.entity_type == "PRIVATE_KEY"
        and span.end == len(line)
        and "-----END" not in line[span.start : span.end]
    )


@dataclass
class StreamState:
    """What one stream carries from buffer to buffer: whether a private key's PEM body is
    still open because its BEGIN line was in an earlier buffer."""

    in_pem: bool = False


@dataclass
class Engine:
    """Detect PII in text. Build once per process (or Spark partition) and reuse.

    The compiled scanner is built lazily and never pickled, so an engine can be shipped to
    Spark workers as plain data.
    """

    detectors: Sequence[Detector]
    threshold: float = 0.5
    allow_values: frozenset[str] = frozenset()
    allow_patterns: Sequence[object] = ()
    use_hyperscan: bool = True

    @classmethod
    def default(cls, threshold: float = 0.5, use_hyperscan: bool = True) -> Engine:
        return cls(builtin_detectors(), threshold=threshold, use_hyperscan=use_hyperscan)

    # ------------------------------------------------------------------ set-up
    @cached_property
    def _urlenc_id(self) -> int:
        return len(self.detectors)

    @cached_property
    def _scanner(self) -> TriggerScanner:
        triggers: list[tuple[int, Trigger]] = []
        for i, d in enumerate(self.detectors):
            triggers.extend((i, t) for t in d.triggers)
            if d.more_triggers is not None:
                triggers.extend((i, t) for t in d.more_triggers())
        triggers.append((self._urlenc_id, Trigger(urlencoded.TRIGGER)))
        scanner = TriggerScanner(triggers, use_hyperscan=self.use_hyperscan)
        log.debug("compiled %d triggers with %s", len(triggers), scanner.backend)
        return scanner

    @cached_property
    def _field_detectors(self) -> list[Detector]:
        return [d for d in self.detectors if d.field_value is not None or d.field_check]

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        for lazy in (
            "_scanner",
            "_field_detectors",
            "_urlenc_id",
            "_prefilters",
            "_exact",
            "_by_field",
            "_allow_match",
        ):
            state.pop(lazy, None)
        return state

    @property
    def entity_types(self) -> set[str]:
        return {d.entity_type for d in self.detectors}

    # ------------------------------------------------------------------ public API
    def scan_text(self, text: str, field: str | None = None) -> list[Span]:
        """Spans in one string: a log line, or the value of a structured field ``field``."""
        fieldname = normalize_field(field) if field else None
        data = text.encode("utf-8", "surrogateescape")
        ids, starts, ends = self._scanner.scan(data)
        exact = self._exact and len(data) == len(text)  # ASCII: byte offsets are code points
        hits = _hit_windows(ids.tolist(), starts.tolist(), ends.tolist(), 0, exact)
        spans = self._detect(text, hits, fieldname)
        if fieldname:
            extra = self._field_spans(text, fieldname, self._field_detectors_for(fieldname))
            spans = resolve(spans + extra)
        return spans

    def scan_lines(
        self, data: bytes, state: StreamState | None = None
    ) -> Iterator[tuple[int, str, list[Span]]]:
        """For a buffer of ``\\n``-separated lines: (0-based line index, decoded line, spans)
        for every line with at least one span. Lines are decoded as UTF-8 with
        surrogateescape, so offsets are code points and undecodable bytes survive. A caller
        that feeds one stream in several buffers (chunks, or a pipe line by line) passes the
        same ``state`` to each, so a private key split across them is still covered."""
        yield from self._scan_buffer(data, None, state)

    def json_leaves(self, block: bytes) -> JsonLeaves:
        """The leaves of the JSON Lines records of a block of ``\\n``-separated lines, and
        which lines were walked (``detectors.jsonwalk``; the core walks them natively)."""
        return walk_block(block)

    def scan_values(
        self, values: Sequence[str | None], field: str | None = None
    ) -> Iterator[tuple[int, list[Span]]]:
        """Spans for each value of one column (CSV, Parquet, JSON field): (row, spans)."""
        data = _joined_lines(values).encode("utf-8", "surrogateescape")
        yield from self._scan_column(data, lambda: values, field)

    def scan_arrow(self, array: Any, field: str | None = None) -> Iterator[tuple[int, list[Span]]]:
        """Like :meth:`scan_values` for a pyarrow string array (or chunked array), scanned
        straight from its buffer: Python sees only rows where a trigger fired, unless the
        field's name makes every value a candidate (``customer_name``)."""
        yield from self._scan_column(joined_buffer(array), array.to_pylist, field)

    def scan_arrow_flat(self, array: Any, field: str | None = None) -> ColumnSpans:
        """:meth:`scan_arrow` as flat arrays (:class:`ColumnSpans`), the column path's
        form. Here built from the per-row spans: the reference the native core's own
        version is held to."""
        return ColumnSpans.from_hits(self.scan_arrow(array, field))

    def _scan_column(
        self, data: bytes, values: Any, field: str | None
    ) -> list[tuple[int, list[Span]]]:
        """(row, spans) of a column in row order, as a list: the public generators yield
        from it without one more generator frame to resume per row."""
        fieldname = normalize_field(field) if field else None
        found = {i: spans for i, _, spans in self._scan_buffer(data, fieldname)}
        applicable = self._field_detectors_for(fieldname)
        if applicable:
            for i, v in enumerate(values()):
                if v:
                    extra = self._field_spans(v, fieldname, applicable)
                    if extra:
                        found[i] = resolve(found.get(i, []) + extra)
        return sorted(found.items())  # rows are unique: spans are never compared

    def trigger_pass(self, data: bytes) -> tuple[int, int]:
        """The compiled half of :meth:`scan_lines` alone: the multi-pattern pass and the
        vectorised checksum prefilters over ``data``, no Python per candidate. Returns
        (trigger hits, hits kept for Python). The benchmark times it to tell the scanner's
        cost from the candidates'."""
        hits, ids, _, _ = self._kept_hits(np.frombuffer(data, dtype=np.uint8), data)
        return hits, len(ids)

    def _kept_hits(
        self, array: np.ndarray, data: bytes
    ) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """The trigger pass and the checksum prefilters over ``data`` (``array`` is its
        bytes as uint8): the number of hits, then ids, starts and ends of those kept."""
        ids, starts, ends = self._scanner.scan(data)
        hits = len(ids)
        keep = self._prefilter(array, ids, ends) if hits else None
        if keep is not None:
            ids, starts, ends = ids[keep], starts[keep], ends[keep]
        return hits, ids, starts, ends

    # ------------------------------------------------------------------ internals
    @cached_property
    def _exact(self) -> bool:
        """Whether trigger hits bound their candidates (Hyperscan reports every match end;
        starts come from each trigger's longest match). The ``re`` fallback reports
        non-overlapping matches only, so there every fired detector searches its line."""
        return self._scanner.backend == "hyperscan"

    def _scan_buffer(
        self, data: bytes, fieldname: str | None, state: StreamState | None = None
    ) -> Iterator[tuple[int, str, list[Span]]]:
        array = np.frombuffer(data, dtype=np.uint8)
        newlines = np.flatnonzero(array == 10)
        covered = -1  # lines up to here were yielded as the body of a PEM block
        if state is not None and state.in_pem:
            covered, state.in_pem = yield from self._pem_body(data, newlines, -1)
        _, ids, starts, ends = self._kept_hits(array, data)
        if not len(ids):  # no trigger fired, or every hit was a checksum look-alike
            return
        lines = np.searchsorted(newlines, ends - 1)
        order = np.lexsort((ids, lines))
        lines, ids, starts, ends = lines[order], ids[order], starts[order], ends[order]
        first = np.flatnonzero(np.r_[True, lines[1:] != lines[:-1]])
        bounds = np.r_[first, len(lines)].tolist()
        line_list = lines[first].tolist()
        los = np.r_[0, newlines + 1][lines[first]].tolist()
        his = np.r_[newlines, len(data)][lines[first]].tolist()
        ids_l, starts_l, ends_l = ids.tolist(), starts.tolist(), ends.tolist()
        for k, li in enumerate(line_list):
            if li <= covered:
                continue
            lo, hi = los[k], his[k]
            line = data[lo:hi].decode("utf-8", "surrogateescape")
            if line.endswith("\r"):
                line = line[:-1]
            # Byte offsets are code-point offsets only in an ASCII line; elsewhere (and with
            # the re fallback) a fired detector searches the whole line.
            exact = self._exact and hi - lo == len(line) + (data[hi - 1 : hi] == b"\r")
            a, b = bounds[k], bounds[k + 1]
            hits = _hit_windows(ids_l[a:b], starts_l[a:b], ends_l[a:b], lo, exact)
            spans = self._detect(line, hits, fieldname)
            if spans:
                yield li, line, spans
                if any(_opens_pem_block(line, sp) for sp in spans):
                    covered, still_open = yield from self._pem_body(data, newlines, li)
                    if state is not None:
                        state.in_pem = still_open

    def _pem_body(
        self, data: bytes, newlines: np.ndarray, li: int
    ) -> Iterator[tuple[int, str, list[Span]]]:
        """A private key written over several lines: every line after the BEGIN line (line
        ``li``; -1 when it was in an earlier buffer) that looks like key material, up to and
        including the END line, though no trigger fires on base64. Returns the last line
        covered and whether the block is still open at the end of the buffer."""
        n_lines = len(newlines) + (0 if data.endswith(b"\n") else 1)
        for lj in range(li + 1, n_lines):
            lo = int(newlines[lj - 1]) + 1 if lj > 0 else 0
            hi = int(newlines[lj]) if lj < len(newlines) else len(data)
            line = data[lo:hi].decode("utf-8", "surrogateescape").removesuffix("\r")
            if not _PEM_BODY.match(line):
                return lj - 1, False  # not a key line: the block ended without its marker
            if line:
                yield lj, line, [Span("PRIVATE_KEY", 0, len(line), 1.0, "private_key")]
            if line.startswith("-----END"):
                return lj, False
        return n_lines - 1, True

    def _prefilter(self, array: np.ndarray, ids: np.ndarray, ends: np.ndarray) -> np.ndarray | None:
        """Mask of hits to keep after the detectors' vectorised checks (e.g. Verhoeff)."""
        keep = None
        for i, check in self._prefilters:
            mine = ids == i
            if mine.any():
                if keep is None:
                    keep = np.ones(len(ids), dtype=bool)
                keep[mine] = check(array, ends[mine])
        return keep

    @cached_property
    def _prefilters(self) -> list[tuple[int, Any]]:
        return [(i, d.prefilter) for i, d in enumerate(self.detectors) if d.prefilter]

    def _detect(
        self, line: str, hits: dict[int, list[tuple[int, int]]], fieldname: str | None
    ) -> list[Span]:
        """Run each detector whose trigger fired, around its hits only."""
        spans: list[Span] = []
        for i, windows in hits.items():
            if i == self._urlenc_id:
                spans.extend(self._decoded_spans(line, fieldname))
            else:
                spans.extend(self._run(self.detectors[i], line, fieldname, windows))
        if not spans:
            return spans
        if self.allow_values or self.allow_patterns:
            spans = [s for s in spans if not self._allowed(line[s.start : s.end])]
        return resolve(spans)

    def _run(
        self,
        d: Detector,
        line: str,
        fieldname: str | None,
        windows: Sequence[tuple[int, int]] = ((0, -1),),
    ) -> Iterable[Span]:
        """Candidates of ``d`` in ``line``: its pattern is searched from ``reach_before``
        characters before each trigger hit to ``reach_after`` past it (lookbehinds still
        see the text before), so a long line costs no more than a short one."""
        groups = d.value_groups
        single = groups[0] if len(groups) == 1 else None
        seen: set[int] = set()
        for pos, endpos in merged_ranges(windows, d.reach, len(line)):
            for m in d.pattern.finditer(line, pos, endpos):
                if single is not None:
                    start, end = m.span(single)
                else:
                    start, end = m.span(next((g for g in groups if m.start(g) >= 0), 0))
                if start == end or start in seen:
                    continue
                seen.add(start)
                span = self._score(d, line, start, end, fieldname)
                if span is not None:
                    yield span

    def _score(
        self, d: Detector, line: str, start: int, end: int, fieldname: str | None
    ) -> Span | None:
        value = line[start:end]
        if _looks_masked(value):
            return None  # already masked (ours or someone else's): not a live value
        score = d.score
        if d.validate is not None:
            delta = d.validate(value, line, start, end)
            if delta is None:
                return None
            score += delta
        key = key_before(line, start) or fieldname
        window = window_before(line, start) if start else ""  # nothing before a value's start
        if key and d.field_hints and field_matches(key, d.field_hints):
            score += FIELD_BOOST
        elif d.context_re is not None and (
            (key and d.context_re.search(key.replace("_", " "))) or d.context_re.search(window)
        ):
            score += CONTEXT_BOOST
        elif d.context_required:
            return None
        if key and d.negative_keys_re is not None and d.negative_keys_re.search(key):
            score -= KEY_PENALTY
        elif d.negative_re is not None:
            if key and d.negative_re.search(key):
                score -= KEY_PENALTY
            elif d.negative_re.search(window[-NEGATIVE_WINDOW:]):
                score -= WINDOW_PENALTY
        score = min(1.0, max(0.0, score))
        if score < self.threshold:
            return None
        return Span(d.entity_type, start, end, round(score, 4), d.name)

    def _decoded_spans(self, line: str, fieldname: str | None) -> list[Span]:
        decoded, origin = urlencoded.decode_with_map(line)
        if decoded == line:
            return []
        ids, _, _ = self._scanner.scan(decoded.encode("utf-8", "surrogateescape"))
        fired = set(ids.tolist()) - {self._urlenc_id}
        out: list[Span] = []
        for i in fired:
            for s in self._run(self.detectors[i], decoded, fieldname):
                out.append(Span(s.entity_type, origin[s.start], origin[s.end], s.score, s.detector))
        return out

    def _field_applies(self, d: Detector, fieldname: str) -> bool:
        if d.field_check is not None:
            return d.field_check(fieldname)
        return field_matches(fieldname, d.field_hints)

    def _field_detectors_for(self, fieldname: str | None) -> list[Detector]:
        """Detectors that take a whole value of this field as a candidate: decided once per
        field name (a JSON export repeats the same keys in every record)."""
        if not fieldname:
            return []
        cache = self._by_field
        if fieldname not in cache:
            cache[fieldname] = [
                d for d in self._field_detectors if self._field_applies(d, fieldname)
            ]
        return cache[fieldname]

    @cached_property
    def _by_field(self) -> dict[str, list[Detector]]:
        return {}

    def _field_spans(self, value: str, fieldname: str, detectors: list[Detector]) -> list[Span]:
        """Whole-value detection for fields whose name says what they hold."""
        stripped = value.strip()
        if not stripped or _looks_masked(stripped):
            return []  # a masked value (a redacted copy's) is no live data
        start = value.index(stripped[0])
        end = start + len(stripped)
        out: list[Span] = []
        allowed: bool | None = None  # looked up once, when a detector first accepts
        for d in detectors:
            if d.field_value is not None and not d.field_value.fullmatch(stripped):
                continue
            score = d.field_score
            if d.validate is not None:
                # Validators read keys from the line; give them the field as one.
                line = f"{fieldname}={stripped}"
                delta = d.validate(stripped, line, len(fieldname) + 1, len(line))
                if delta is None:
                    continue
                score += delta
            score = min(1.0, score)
            if score < self.threshold:
                continue
            if allowed is None:
                allowed = self._allowed(stripped)
            if not allowed:
                out.append(Span(d.entity_type, start, end, round(score, 4), d.name))
        return out

    def _allowed(self, value: str) -> bool:
        if value in self.allow_values:
            return True
        match = self._allow_match
        return match is not None and bool(match(value))

    @cached_property
    def _allow_match(self) -> Callable[[str], object] | None:
        """Whether a value is allow-listed by pattern, in one call per candidate: the one
        pattern's ``fullmatch`` (the usual allow-list), or None when there is none."""
        patterns: Sequence[Any] = self.allow_patterns
        if not patterns:
            return None
        if len(patterns) == 1:
            return patterns[0].fullmatch  # type: ignore[no-any-return]
        return lambda value: any(p.fullmatch(value) for p in patterns)
