"""``piisweep report``: one self-contained HTML page about one committed scan.

Totals, findings by entity, by source prefix and by day, the riskiest objects, the values seen
in most objects (by fingerprint), failed and skipped objects with their reasons, the
bookkeeping paths the crawl listed but did not read (Spark's ``_``/``.`` rule: listed apart,
they are a convention, not a problem), and the validation verdict when ``piisweep
validate`` has run. Charts are inline SVG drawn here; the
page has inline CSS, no script and no external resource, so it opens from a mail attachment
or an S3 console as well as from disk.

Never a raw value: the page is built from counts, entity names, object URIs, manifest
reasons (which the scan keeps free of values) and fingerprint prefixes. The counts are
Spark aggregations over the findings table (read as validate reads it, by the executors
when it lives on S3 or HDFS): the driver receives only results bounded by the number of
objects and entity types, never the table, which on a large lake has tens of millions of
rows (read whole with pyarrow, as it once was, the driver grew with it).

"By day" is the date in the object's path (``2024/03/11``, ``2024-03-11``, ``dt=20240311``):
the day the data was written, which is what an auditor asks about; objects without one are
"undated". A source prefix is the first two directories of the object below its source root,
date directories left out (``partner-api/paynexa``, ``ingress``).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from jobs import commit, storage
from jobs.validate import findings_dataframe, read_manifest, resolve_scan

#: How much one finding of an entity weighs in an object's risk: secrets and payment data
#: first (account takeover, fraud), then government ids, then contact data.
RISK_WEIGHTS: dict[str, int] = {
    "PRIVATE_KEY": 10,
    "AWS_ACCESS_KEY": 10,
    "SECRET": 8,
    "JWT": 8,
    "CREDIT_CARD": 8,
    "CVV": 8,
    "OTP_CODE": 6,
    "IN_AADHAAR": 6,
    "US_SSN": 6,
    "IN_PAN": 5,
    "IN_PASSPORT": 5,
    "IN_VOTER": 5,
    "IBAN_CODE": 5,
    "PHONE_NUMBER": 3,
    "STREET_ADDRESS": 3,
    "DATE_OF_BIRTH": 3,
    "IN_UPI_ID": 3,
    "EMAIL_ADDRESS": 2,
    "PERSON": 2,
    "IN_GSTIN": 1,
    "IN_IFSC": 1,
    "IP_ADDRESS": 1,
    "MAC_ADDRESS": 1,
    "DEVICE_ID": 1,
}
DEFAULT_WEIGHT = 2  # custom detectors' entities
TOP_OBJECTS = 15
TOP_VALUES = 10
PALETTE = (
    "#2563eb",
    "#dc2626",
    "#059669",
    "#d97706",
    "#7c3aed",
    "#0891b2",
    "#db2777",
    "#65a30d",
    "#ea580c",
    "#4f46e5",
)
_DATE = re.compile(r"(?<!\d)(20\d\d|19\d\d)([/\-_]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")
_DATE_DIR = re.compile(r"^(?:[a-z_]+=)?\d{4}(?:[-_]?\d{2}){0,2}$|^\d{2}$", re.IGNORECASE)


@dataclass
class Aggregates:
    by_entity: list[tuple[str, int]]
    by_prefix: list[tuple[str, int]]
    by_day: list[tuple[str, int]]
    per_object: dict[str, dict[str, Any]]
    spread: list[dict[str, Any]]
    distinct_values: int


@dataclass
class ReportData:
    summary: dict[str, Any]
    manifest: list[dict[str, Any]]
    aggregates: Aggregates
    scans: list[dict[str, Any]]
    validation: dict[str, Any] | None


def load(out: str, scan_id: str | None, s3: storage.S3Settings, spark: Any = None) -> ReportData:
    """The summary, manifest and scans of ``out``, and the findings' aggregates, computed
    on ``spark`` (default: a session as ``piisweep`` starts one)."""
    from jobs.spark import session

    out = storage.parse_uri(out).uri
    summary = resolve_scan(out, scan_id, s3)
    sid = summary["scan_id"]
    spark = spark or session()
    findings = findings_dataframe(spark, out, summary, s3)
    validation = None
    results = f"{out}/validation/{sid}/results.json"
    if storage.exists(results, s3):
        validation = json.loads(storage.read_bytes(results, s3))
    return ReportData(
        summary=summary,
        manifest=read_manifest(out, sid, s3).to_pylist(),
        aggregates=aggregate(findings, summary.get("sources", [])),
        scans=commit.committed_scans(out, s3),
        validation=validation,
    )


def write_report(
    out: str,
    scan_id: str | None = None,
    dest: str | None = None,
    s3: storage.S3Settings | None = None,
    spark: Any = None,
) -> str:
    """Write the report of ``scan_id`` (default: the latest committed scan) to ``dest``
    (default ``OUT/reports/<scan_id>.html``) and return its URI."""
    s3 = s3 or storage.S3Settings.from_env()
    data = load(out, scan_id, s3, spark)
    page = render(data)
    target = dest or f"{storage.parse_uri(out).uri}/reports/{data.summary['scan_id']}.html"
    target = storage.parse_uri(target).uri
    storage.write_bytes(page.encode("utf-8"), target, s3)
    return target


# ------------------------------------------------------------------------- aggregation
def day_of(uri: str) -> str:
    """The last date written in the object's path, as YYYY-MM-DD, or ``undated``."""
    found = _DATE.findall(storage.parse_uri(uri).path)
    if not found:
        return "undated"
    year, _, month, day = found[-1]
    return f"{year}-{month}-{day}"


def prefix_of(uri: str, roots: Sequence[str], depth: int = 2) -> str:
    """The object's first ``depth`` directories below its source root, dates left out."""
    rel = uri
    for root in sorted(roots, key=len, reverse=True):
        base = root.rstrip("/") + "/"
        if uri.startswith(base):
            rel = uri[len(base) :]
            break
    else:
        rel = storage.parse_uri(uri).path.lstrip("/")
    dirs = [d for d in rel.split("/")[:-1] if d and not _DATE_DIR.match(d)]
    return "/".join(dirs[:depth]) or "(top level)"


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def aggregate(findings: Any, roots: Sequence[str]) -> Aggregates:
    """The report's counts from the findings DataFrame ``findings``: four Spark jobs whose
    results have a row per (object, entity), per object, one count, and the top values."""
    from pyspark.sql import functions as F

    entity_counts: Counter[str] = Counter()
    object_counts: Counter[str] = Counter()
    per_object: dict[str, dict[str, Any]] = {}
    wanted = {"source_uri", "entity_type", "score", "fingerprint"}
    if not wanted <= set(findings.columns):  # a table without the contract's columns
        findings = findings.sparkSession.createDataFrame(
            [], "source_uri string, entity_type string, score double, fingerprint string"
        )
    grouped = findings.groupBy("source_uri", "entity_type").agg(
        F.max("score").alias("score_max"), F.count(F.lit(1)).alias("n")
    )
    for row in grouped.collect():
        uri, entity, n = row["source_uri"], row["entity_type"], row["n"]
        entity_counts[entity] += n
        object_counts[uri] += n
        obj = per_object.setdefault(
            uri, {"findings": 0, "risk": 0, "max_score": 0.0, "entities": Counter(), "distinct": 0}
        )
        obj["findings"] += n
        obj["risk"] += n * RISK_WEIGHTS.get(entity, DEFAULT_WEIGHT)
        obj["max_score"] = max(obj["max_score"], row["score_max"] or 0.0)
        obj["entities"][entity] += n
    distinct = findings.groupBy("source_uri").agg(F.countDistinct("fingerprint").alias("d"))
    for row in distinct.collect():
        if row["source_uri"] in per_object:
            per_object[row["source_uri"]]["distinct"] = row["d"]
    by_prefix: Counter[str] = Counter()
    by_day: Counter[str] = Counter()
    for uri, n in object_counts.items():
        by_prefix[prefix_of(uri, roots)] += n
        by_day[day_of(uri)] += n
    days = sorted(by_day.items(), key=lambda kv: (kv[0] == "undated", kv[0]))
    return Aggregates(
        by_entity=_ranked(entity_counts),
        by_prefix=_ranked(by_prefix),
        by_day=days,
        per_object=per_object,
        spread=_spread(findings),
        distinct_values=findings.where(F.col("fingerprint").isNotNull())
        .select("fingerprint")
        .distinct()
        .count(),
    )


def _spread(findings: Any) -> list[dict[str, Any]]:
    """The values (by fingerprint) seen in most objects: one data subject's footprint."""
    from pyspark.sql import functions as F

    top = (
        findings.groupBy("entity_type", "fingerprint")
        .agg(F.countDistinct("source_uri").alias("objects"), F.count(F.lit(1)).alias("n"))
        .where(F.col("objects") > 1)
        .orderBy(F.desc("objects"), F.desc("n"), F.asc("fingerprint"))
        .limit(TOP_VALUES)
        .collect()
    )
    return [
        {
            "entity": r["entity_type"],
            "fingerprint": (r["fingerprint"] or "")[:12],
            "objects": r["objects"],
            "occurrences": r["n"],
        }
        for r in top
    ]


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def bar_chart_h(
    items: Sequence[tuple[str, int]], chart_id: str, title: str, width: int = 560
) -> str:
    """Horizontal bars, one per item, labelled with name and count."""
    if not items:
        return f'<p class="empty" id="{chart_id}">No findings.</p>'
    row, label_w, pad = 22, 170, 60
    height = row * len(items) + 10
    top = max(n for _, n in items) or 1
    bars = []
    for i, (name, n) in enumerate(items):
        y = 5 + i * row
        w = max(1.0, (width - label_w - pad) * n / top)
        color = PALETTE[i % len(PALETTE)]
        short = name if len(name) <= 26 else name[:25] + "…"
        bars.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" class="lbl">{_e(short)}'
            f"<title>{_e(name)}</title></text>"
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row - 6}" rx="2" '
            f'fill="{color}"><title>{_e(name)}: {n:,}</title></rect>'
            f'<text x="{label_w + w + 5:.1f}" y="{y + 14}" class="val">{n:,}</text>'
        )
    return (
        f'<svg id="{chart_id}" class="chart" role="img" aria-label="{_e(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>'
    )


def bar_chart_v(
    items: Sequence[tuple[str, int]], chart_id: str, title: str, width: int = 560
) -> str:
    """Vertical bars over days (or scans), with the count above each bar."""
    if not items:
        return f'<p class="empty" id="{chart_id}">No findings.</p>'
    height, base, top_pad = 220, 180, 20
    slot = (width - 20) / len(items)
    bar_w = min(48.0, slot * 0.7)
    top = max(n for _, n in items) or 1
    parts = [
        f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#9ca3af" />',
    ]
    for i, (name, n) in enumerate(items):
        h = max(1.0, (base - top_pad) * n / top)
        x = 10 + i * slot + (slot - bar_w) / 2
        cx = x + bar_w / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'fill="{PALETTE[0]}" rx="2"><title>{_e(name)}: {n:,}</title></rect>'
            f'<text x="{cx:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" class="val">'
            f"{n:,}</text>"
            f'<text x="{cx:.1f}" y="{base + 16}" text-anchor="middle" class="lbl">'
            f"{_e(name)}</text>"
        )
    return (
        f'<svg id="{chart_id}" class="chart" role="img" aria-label="{_e(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )


def status_bar(counts: dict[str, int], chart_id: str, width: int = 560) -> str:
    """One stacked bar of objects by status, with a legend."""
    total = sum(counts.values())
    colors = {"ok": "#059669", "unchanged": "#6b7280", "skipped": "#d97706", "failed": "#dc2626"}
    x = 0.0
    rects, legend = [], []
    for i, (status, n) in enumerate(sorted(counts.items())):
        w = width * n / total if total else 0
        color = colors.get(status, PALETTE[i % len(PALETTE)])
        rects.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="22" fill="{color}">'
            f"<title>{_e(status)}: {n:,}</title></rect>"
        )
        legend.append(
            f'<rect x="{i * 130}" y="32" width="12" height="12" fill="{color}" />'
            f'<text x="{i * 130 + 17}" y="43" class="lbl">{_e(status)} {n:,}</text>'
        )
        x += w
    return (
        f'<svg id="{chart_id}" class="chart" role="img" aria-label="objects by status" '
        f'width="{width}" height="50" viewBox="0 0 {width} 50" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(rects + legend)}</svg>'
    )


# ------------------------------------------------------------------------- HTML
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;
margin:0;background:#f3f4f6}
header{background:#111827;color:#f9fafb;padding:18px 32px}
header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#d1d5db}
main{padding:20px 32px;max-width:1200px}
section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px 20px;
margin:0 0 18px}
h2{font-size:17px;margin:0 0 12px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:18px}
.tiles{display:flex;flex-wrap:wrap;gap:12px}
.tile{flex:1 1 150px;background:#f9fafb;border:1px solid #e5e7eb;border-radius:6px;
padding:10px 14px}
.tile b{display:block;font-size:22px}.tile span{color:#6b7280;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{background:#f9fafb;font-weight:600}td.n,th.n{text-align:right}
td.uri{word-break:break-all;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.chart text.lbl{font-size:11px;fill:#374151}.chart text.val{font-size:11px;fill:#111827}
.ok{color:#059669;font-weight:600}.bad{color:#dc2626;font-weight:600}
.empty{color:#6b7280}footer{color:#6b7280;font-size:12px;padding:0 32px 24px}
"""


def _table(
    table_id: str, headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int]
) -> str:
    head = "".join(
        f'<th class="n">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            cls = ' class="n"' if i in numeric else (' class="uri"' if i == 0 else "")
            cells.append(f"<td{cls}>{cell}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    if not body:
        return f'<p class="empty" id="{table_id}">None.</p>'
    return (
        f'<table id="{table_id}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _tile(label: str, value: str, tile_id: str) -> str:
    return f'<div class="tile" id="{tile_id}"><b>{value}</b><span>{_e(label)}</span></div>'


def render(data: ReportData) -> str:
    """The report page: HTML with inline CSS and SVG, every value escaped."""
    s = data.summary
    agg = data.aggregates
    by_status = s.get("objects_by_status", {})
    not_read = [r for r in data.manifest if storage.is_bookkeeping(r.get("reason"))]
    problems = [
        r
        for r in data.manifest
        if r["status"] in ("failed", "skipped") and not storage.is_bookkeeping(r.get("reason"))
    ]
    riskiest = sorted(
        agg.per_object.items(), key=lambda kv: (-kv[1]["risk"], -kv[1]["findings"], kv[0])
    )[:TOP_OBJECTS]
    fmt = {r["uri"]: r.get("format") or "" for r in data.manifest}
    tiles = [
        _tile("findings", f"{s.get('findings', 0):,}", "total-findings"),
        _tile("distinct values (fingerprints)", f"{agg.distinct_values:,}", "total-distinct"),
        _tile("objects", f"{s.get('objects', 0):,}", "total-objects"),
        _tile("objects with findings", f"{len(agg.per_object):,}", "total-objects-pii"),
        _tile("failed or skipped", f"{len(problems):,}", "total-problems"),
        _tile("entity types", f"{len(agg.by_entity):,}", "total-entities"),
        _tile("MB scanned", f"{s.get('bytes_scanned', 0) / 1e6:,.1f}", "total-mb"),
        _tile("seconds", f"{s.get('seconds', 0):,.1f}", "total-seconds"),
    ]
    risk_rows = [
        (
            _e(uri),
            _e(fmt.get(uri, "")),
            f"{o['risk']:,}",
            f"{o['findings']:,}",
            f"{o.get('distinct', 0):,}",
            f"{o['max_score']:.2f}",
            _e(", ".join(f"{k} {v:,}" for k, v in o["entities"].most_common(4))),
        )
        for uri, o in riskiest
    ]
    problem_rows = [
        (
            _e(r["uri"]),
            f'<span class="bad">{_e(r["status"])}</span>',
            _e(r.get("error_class") or ""),
            _e(r.get("reason") or ""),
        )
        for r in problems
    ]
    not_read_rows = [(_e(r["uri"]), _e(r.get("reason") or "")) for r in not_read]
    spread_rows = [
        (
            f"<code>{_e(v['fingerprint'])}…</code>",
            _e(v["entity"]),
            f"{v['objects']:,}",
            f"{v['occurrences']:,}",
        )
        for v in agg.spread
    ]
    trend = [
        (str(d.get("scan_date", "")) + " " + str(d.get("scan_id", ""))[-6:], d.get("findings", 0))
        for d in data.scans[-12:]
    ]
    sections = [
        f'<section id="totals"><h2>Totals</h2><div class="tiles">{"".join(tiles)}</div>'
        f'<h2 style="margin-top:16px">Objects by status</h2>'
        f"{status_bar(by_status, 'chart-status')}</section>",
        _validation_section(data.validation),
        '<div class="grid">'
        f'<section id="by-entity"><h2>Findings by entity</h2>'
        f"{bar_chart_h(agg.by_entity, 'chart-entity', 'findings by entity')}</section>"
        f'<section id="by-prefix"><h2>Findings by source prefix</h2>'
        f"{bar_chart_h(agg.by_prefix[:20], 'chart-prefix', 'findings by source prefix')}"
        "</section></div>",
        '<div class="grid">'
        f'<section id="by-day"><h2>Findings by day (date in the object\'s path)</h2>'
        f"{bar_chart_v(agg.by_day[-31:], 'chart-day', 'findings by day')}</section>"
        f'<section id="by-scan"><h2>Findings per committed scan</h2>'
        f"{bar_chart_v(trend, 'chart-scans', 'findings per scan')}</section></div>",
        '<section id="riskiest"><h2>Riskiest objects</h2><p class="empty">Risk is the sum '
        "of the findings weighted by entity (secrets and card data 8-10, government ids 5-6, "
        "contact data 2-3).</p>"
        + _table(
            "riskiest-table",
            ("object", "format", "risk", "findings", "distinct", "max score", "top entities"),
            risk_rows,
            {2, 3, 4, 5},
        )
        + "</section>",
        '<section id="spread"><h2>Values seen in most objects</h2><p class="empty">The same '
        "value (keyed fingerprint, first 12 hex digits) in several objects: one data "
        "subject's footprint, for access and erasure requests.</p>"
        + _table(
            "spread-table",
            ("fingerprint", "entity", "objects", "occurrences"),
            spread_rows,
            {2, 3},
        )
        + "</section>",
        '<section id="problems"><h2>Failed and skipped objects</h2>'
        + _table("problems-table", ("object", "status", "error", "reason"), problem_rows, set())
        + "</section>",
        '<section id="bookkeeping"><h2>Bookkeeping paths not read</h2><p class="empty">'
        "Names starting with _ or . below a source (<code>_SUCCESS</code>, "
        "<code>_temporary/</code>, <code>.crc</code>) are not scanned, as Spark does not "
        "read them; a directory is one row. Check that none holds data.</p>"
        + _table("bookkeeping-table", ("path", "reason"), not_read_rows, set())
        + "</section>",
    ]
    title = f"piisweep scan {s.get('scan_id', '')}"
    sources = ", ".join(s.get("sources", []))
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f'<header id="report-header"><h1>{_e(title)}</h1>'
        f"<p>{_e(sources)} &middot; started {_e(s.get('started_at', ''))} &middot; "
        f"output {_e(s.get('out', ''))}</p></header>"
        f"<main>{''.join(sections)}</main>"
        f"<footer>Generated {generated} by piisweep. This page holds counts, entity types, "
        "object names and fingerprint prefixes only: never a detected value.</footer>"
        "</body></html>\n"
    )


def _validation_section(validation: dict[str, Any] | None) -> str:
    if validation is None:
        return (
            '<section id="validation"><h2>Validation</h2><p class="empty">Not validated '
            "yet: run <code>piisweep validate OUT</code>.</p></section>"
        )
    ok = validation.get("success")
    verdict = '<span class="ok">passed</span>' if ok else '<span class="bad">FAILED</span>'
    items = "".join(f"<li>{_e(m)}</li>" for m in validation.get("failures", []))
    suites = "".join(
        f"<li>{_e(name)}: {res['statistics']['successful_expectations']}/"
        f"{res['statistics']['evaluated_expectations']} expectations</li>"
        for name, res in sorted(validation.get("suites", {}).items())
    )
    failures = f"<h3>Failed expectations</h3><ul>{items}</ul>" if items else ""
    return (
        f'<section id="validation"><h2>Validation: {verdict}</h2>'
        f"<p>{_e(validation.get('validated_at', ''))}</p><ul>{suites}</ul>{failures}</section>"
    )


__all__ = ["aggregate", "day_of", "load", "prefix_of", "render", "write_report"]
