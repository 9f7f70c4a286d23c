"""Score findings against corpus labels: per-entity precision, recall and F1.

Matching: a finding and a label match when they are on the same line, have the same
entity_type and their character spans overlap. Matching is one-to-one and greedy by overlap
length (largest first), so a detector that splits one value into two findings gets one true
positive and one false positive, and one finding never covers two labels.

Error hints never print a detected value: they show line numbers, offsets, the value's shape
(digits -> 9, letters -> a/A) and the few characters of unlabelled text before it.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

STRUCTURED_CTX = frozenset({"field", "kv", "url"})
SPLIT_ENTITIES = ("PERSON", "STREET_ADDRESS")


@dataclass(frozen=True, slots=True)
class Span:
    """A label or a finding, reduced to what matching needs."""

    line: int
    start: int
    end: int
    entity: str
    ctx: str | None = None
    detector: str | None = None


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, object]:
        def rnd(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "support": self.tp + self.fn,
            "precision": rnd(self.precision),
            "recall": rnd(self.recall),
            "f1": rnd(self.f1),
        }


@dataclass
class MatchResult:
    matched: list[tuple[Span, Span]] = field(default_factory=list)  # (label, finding)
    false_pos: list[Span] = field(default_factory=list)
    false_neg: list[Span] = field(default_factory=list)


def load_labels(path: Path, max_line: int | None = None) -> list[Span]:
    out = []
    with path.open(encoding="utf-8") as f:
        for raw in f:
            d = json.loads(raw)
            if max_line is not None and d["line_number"] > max_line:
                continue
            out.append(
                Span(
                    d["line_number"],
                    d["char_start"],
                    d["char_end"],
                    d["entity_type"],
                    ctx=d.get("ctx"),
                )
            )
    return out


def load_findings(path: Path, max_line: int | None = None, min_score: float = 0.0) -> list[Span]:
    """Findings JSONL per the DESIGN.md contract; line from line_number, else record_index.
    Findings scored below ``min_score`` are dropped (their producer would not report them)."""
    out = []
    with path.open(encoding="utf-8") as f:
        for raw in f:
            if not raw.strip():
                continue
            d = json.loads(raw)
            line = d.get("line_number")
            if line is None and d.get("record_index") is not None:
                line = d["record_index"] + 1
            if line is None or (max_line is not None and line > max_line):
                continue
            if min_score and float(d.get("score") or 0.0) < min_score:
                continue
            out.append(
                Span(
                    int(line),
                    int(d["char_start"]),
                    int(d["char_end"]),
                    d["entity_type"],
                    detector=d.get("detector"),
                )
            )
    return out


def match(labels: Iterable[Span], findings: Iterable[Span]) -> MatchResult:
    """One-to-one greedy matching by overlap within (line, entity) groups."""
    groups: dict[tuple[int, str], tuple[list[Span], list[Span]]] = defaultdict(lambda: ([], []))
    for lab in labels:
        groups[(lab.line, lab.entity)][0].append(lab)
    for fnd in findings:
        groups[(fnd.line, fnd.entity)][1].append(fnd)
    result = MatchResult()
    for labs, fnds in groups.values():
        if not labs or not fnds:
            result.false_neg.extend(labs)
            result.false_pos.extend(fnds)
            continue
        pairs = []
        for i, lab in enumerate(labs):
            for j, fnd in enumerate(fnds):
                overlap = min(lab.end, fnd.end) - max(lab.start, fnd.start)
                if overlap > 0:
                    pairs.append((-overlap, lab.start, fnd.start, i, j))
        pairs.sort()
        used_l: set[int] = set()
        used_f: set[int] = set()
        for _, _, _, i, j in pairs:
            if i not in used_l and j not in used_f:
                used_l.add(i)
                used_f.add(j)
                result.matched.append((labs[i], fnds[j]))
        result.false_neg.extend(lab for i, lab in enumerate(labs) if i not in used_l)
        result.false_pos.extend(fnd for j, fnd in enumerate(fnds) if j not in used_f)
    return result


_URL_KEY = re.compile(r"[?&][\w.\-\[\]]+=$")
_KV_KEY = re.compile(r"[\w.\-]+=\"?$|[\w\-]+: (?:Bearer )?$")
_JSON_KEY = re.compile(r"\"[\w.\-]+\"\s*:\s*\"$")


def infer_ctx(line: str, start: int) -> str:
    """Context of an unlabelled span (a false positive), by the text just before it."""
    before = line[max(0, start - 48) : start]
    if _JSON_KEY.search(before):
        return "field"
    if _URL_KEY.search(before):
        return "url"
    if _KV_KEY.search(before):
        return "kv"
    return "free"


def score(
    labels: list[Span],
    findings: list[Span],
    vocabulary: Iterable[str],
    fp_ctx: dict[Span, str] | None = None,
) -> dict[str, object]:
    """Per-entity and micro/macro metrics, plus the structured/free split for names and
    addresses. ``fp_ctx`` gives the inferred context of false positives for that split."""
    res = match(labels, findings)
    vocab = sorted(set(vocabulary))
    per: dict[str, Counts] = {e: Counts() for e in vocab}
    split: dict[str, Counts] = {
        f"{e}/{g}": Counts() for e in SPLIT_ENTITIES for g in ("structured", "free")
    }
    other: Counter[str] = Counter()
    for lab, _ in res.matched:
        per[lab.entity].tp += 1
        if lab.entity in SPLIT_ENTITIES:
            split[_split_key(lab.entity, lab.ctx)].tp += 1
    for lab in res.false_neg:
        per.setdefault(lab.entity, Counts()).fn += 1
        if lab.entity in SPLIT_ENTITIES:
            split[_split_key(lab.entity, lab.ctx)].fn += 1
    for fnd in res.false_pos:
        if fnd.entity not in per:
            other[fnd.entity] += 1
            continue
        per[fnd.entity].fp += 1
        if fnd.entity in SPLIT_ENTITIES:
            split[_split_key(fnd.entity, (fp_ctx or {}).get(fnd, "free"))].fp += 1
    micro = Counts(
        sum(c.tp for c in per.values()),
        sum(c.fp for c in per.values()),
        sum(c.fn for c in per.values()),
    )
    f1s = [c.f1 or 0.0 for c in per.values() if c.tp + c.fn]
    return {
        "per_entity": {e: c.as_dict() for e, c in sorted(per.items())},
        "split": {k: c.as_dict() for k, c in split.items()},
        "micro": micro.as_dict(),
        "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else None,
        "unscored_entity_findings": dict(other.most_common()),
        "_match": res,
    }


def _split_key(entity: str, ctx: str | None) -> str:
    return f"{entity}/{'structured' if ctx in STRUCTURED_CTX else 'free'}"


def shape(text: str, limit: int = 24) -> str:
    """A value's shape without its content: digits -> 9, letters -> a/A, others kept."""
    out = []
    for ch in text[:limit]:
        if ch.isdigit():
            out.append("9")
        elif ch.isalpha():
            out.append("A" if ch.isupper() else "a")
        else:
            out.append(ch)
    return "".join(out) + ("…" if len(text) > limit else "")


def masked_context(line: str, start: int, end: int, label_spans: list[tuple[int, int]]) -> str:
    """``…<left text>«<shape>»``: left text keeps letters and punctuation of unlabelled
    background (keys like ``order_id=``) but hides every labelled span and all digits."""
    if end > len(line):  # e.g. byte offsets where code points were due
        return f"…«span ends past the line's {len(line)} code points»"
    lo = max(0, start - 20)
    left = []
    for i in range(lo, start):
        ch = line[i]
        if any(s <= i < e for s, e in label_spans):
            left.append("*")
        else:
            left.append("9" if ch.isdigit() else ch)
    return "…" + "".join(left).replace("\t", " ") + f"«{shape(line[start:end])}»"


def read_lines(path: Path, wanted: set[int]) -> dict[int, str]:
    """Only the wanted lines of a possibly large file, in one streaming pass."""
    out: dict[int, str] = {}
    if not wanted:
        return out
    last = max(wanted)
    with path.open(encoding="utf-8", newline="\n") as f:
        for n, raw in enumerate(f, start=1):
            if n in wanted:
                out[n] = raw.rstrip("\n")
            if n >= last:
                break
    return out


def error_hints(
    spans: list[Span], lines: dict[int, str], labels_by_line: dict[int, list[Span]], top: int = 5
) -> dict[str, list[dict[str, object]]]:
    """Most frequent error contexts per entity: count, one example location, masked hint."""
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    example: dict[tuple[str, str], Span] = {}
    for sp in spans:
        text = lines.get(sp.line)
        if text is None:
            continue
        others = [(lab.start, lab.end) for lab in labels_by_line.get(sp.line, []) if lab != sp]
        hint = masked_context(text, sp.start, sp.end, others)
        left, _, rest = hint.partition("«")
        key = "…" + left[1:][-14:] + "«" + rest  # group by the text right before the value
        groups[sp.entity][key] += 1
        example.setdefault((sp.entity, key), sp)
    out: dict[str, list[dict[str, object]]] = {}
    for entity, counter in sorted(groups.items()):
        out[entity] = []
        for key, count in counter.most_common(top):
            ex = example[(entity, key)]
            out[entity].append(
                {
                    "count": count,
                    "line": ex.line,
                    "char_start": ex.start,
                    "char_end": ex.end,
                    "detector": ex.detector,
                    "hint": key,
                }
            )
    return out
