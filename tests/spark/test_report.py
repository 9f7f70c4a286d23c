"""``piisweep report``: one self-contained HTML page, opened in headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from PIL import Image
from sample_scan import SampleScan, run_cli, sample_scan  # noqa: F401 - session fixture

from jobs import storage
from jobs.report import ReportData, day_of, load, prefix_of, render

SECTION_IDS = (
    "report-header",
    "totals",
    "total-findings",
    "chart-status",
    "validation",
    "by-entity",
    "chart-entity",
    "by-prefix",
    "chart-prefix",
    "by-day",
    "chart-day",
    "chart-scans",
    "riskiest",
    "riskiest-table",
    "spread",
    "problems",
    "bookkeeping",
)


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    browser = shutil.which("chromium")
    assert browser, "chromium is not installed: `make test` installs it (apt-get install chromium)"
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_report_is_self_contained_and_renders(sample_scan: SampleScan, tmp_path: Path) -> None:  # noqa: F811
    code, stdout, _ = run_cli(["report", str(sample_scan.out)])
    assert code == 0
    uri = stdout.strip().splitlines()[-1]
    assert uri == (sample_scan.out / "reports" / f"{sample_scan.scan_id}.html").as_uri()
    path = Path(storage.parse_uri(uri).path)
    page = path.read_text(encoding="utf-8")

    # self-contained: inline CSS and SVG, no script, no external resource
    assert "<style>" in page and page.count("<svg") >= 5
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", page, re.IGNORECASE)
    assert "https://" not in page
    assert set(re.findall(r"http://[^\s\"']+", page)) <= {"http://www.w3.org/2000/svg"}
    # never a raw value, while the totals agree with the scan
    sample_scan.assert_no_raw(page, "the report")
    assert f"{sample_scan.summary['findings']:,}" in page
    for entity in sample_scan.summary["findings_by_entity"]:
        assert f">{entity}<" in page

    dom = _chromium(tmp_path, "--dump-dom", path.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    for element_id in SECTION_IDS:
        assert f'id="{element_id}"' in dom.stdout, element_id
    assert dom.stdout.count("<rect") > 10 and "<tr>" in dom.stdout

    png = tmp_path / "report.png"
    shot = _chromium(tmp_path, f"--screenshot={png}", "--window-size=1280,2000", path.as_uri())
    assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size == (1280, 2000)
        rgb = image.convert("RGB")
        colors = rgb.getcolors(maxcolors=1 << 16) or []
        assert len(colors) > 50, "the screenshot is (nearly) blank"
        # the header band is dark and the bar colours of the charts are drawn
        assert sum(rgb.getpixel((20, 20))) < 120
        assert any(c[1] == (37, 99, 235) for c in colors)


def test_failed_and_skipped_objects_are_listed_with_reasons(sample_scan: SampleScan) -> None:  # noqa: F811
    data = load(str(sample_scan.out), sample_scan.scan_id, storage.S3Settings.from_env())
    base = data.manifest[0]
    problems = [
        {**base, "uri": "file:///lake/a<b>.log.gz", "status": "failed",
         "error_class": "CorruptInput", "reason": "gzip stream truncated", "redacted_uri": None},
        {**base, "uri": "file:///lake/logo.png", "status": "skipped",
         "error_class": None, "reason": "binary content (PNG image)", "redacted_uri": None},
    ]  # fmt: skip
    # Spark's bookkeeping is listed apart: deliberately not read, not a problem
    bookkeeping = [
        {**base, "uri": "file:///lake/_temporary/", "status": "skipped", "error_class": None,
         "reason": storage.bookkeeping_reason("_temporary", directory=True), "redacted_uri": None},
    ]  # fmt: skip
    markers = [r for r in data.manifest if storage.is_bookkeeping(r["reason"])]
    assert markers and all(r["uri"].endswith("/_SUCCESS") for r in markers)  # the sample lake's
    rows = data.manifest + problems + bookkeeping
    page = render(ReportData(**{**data.__dict__, "manifest": rows}))
    table = page[page.index('id="problems-table"') :].split("</table>")[0]
    assert "file:///lake/a&lt;b&gt;.log.gz" in table and "<b>" not in table
    assert "CorruptInput" in table and "gzip stream truncated" in table
    assert "binary content (PNG image)" in table
    assert "_temporary" not in table
    assert '<div class="tile" id="total-problems"><b>2</b>' in page
    listed = page[page.index('id="bookkeeping-table"') :].split("</table>")[0]
    assert "file:///lake/_temporary/" in listed and "bookkeeping directory" in listed
    assert "logo.png" not in listed


def test_report_counts_are_the_findings_tables_counts(sample_scan: SampleScan) -> None:  # noqa: F811
    """The Spark aggregations against the same counts taken directly from the findings
    parts with pyarrow: per entity, per object (findings, distinct values), the distinct
    values overall, and the values spread over several objects."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    s3 = storage.S3Settings.from_env()
    data = load(str(sample_scan.out), sample_scan.scan_id, s3)
    parts = [sample_scan.out / "findings" / rel for rel in sample_scan.summary["findings_parts"]]
    table = pa.concat_tables(pq.read_table(p) for p in parts)
    rows = table.select(["source_uri", "entity_type", "fingerprint"]).to_pylist()
    agg = data.aggregates

    by_entity: dict[str, int] = {}
    per_object: dict[str, set[str]] = {}
    objects_of: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        by_entity[r["entity_type"]] = by_entity.get(r["entity_type"], 0) + 1
        per_object.setdefault(r["source_uri"], set()).add(r["fingerprint"])
        objects_of.setdefault((r["entity_type"], r["fingerprint"]), set()).add(r["source_uri"])
    assert dict(agg.by_entity) == by_entity and len(rows) > 1000
    assert {u: o["findings"] for u, o in agg.per_object.items()} == {
        u: sum(1 for r in rows if r["source_uri"] == u) for u in per_object
    }
    assert {u: o["distinct"] for u, o in agg.per_object.items()} == {
        u: len(f) for u, f in per_object.items()
    }
    assert agg.distinct_values == len({r["fingerprint"] for r in rows})
    spread = sorted(len(o) for o in objects_of.values() if len(o) > 1)[::-1]
    assert [s["objects"] for s in agg.spread] == spread[: len(agg.spread)]
    assert agg.spread and all(len(s["fingerprint"]) == 12 for s in agg.spread)


def test_days_and_prefixes_come_from_object_paths() -> None:
    roots = ["file:///lake"]
    assert day_of("file:///lake/ingress/2024/03/11/ingress-0.log.gz") == "2024-03-11"
    assert day_of("s3://b/partner-api/paynexa/2024-03-12.log.gz") == "2024-03-12"
    assert day_of("file:///lake/events/dt=20240313/part-0.jsonl") == "2024-03-13"
    assert day_of("file:///lake/exports/customers/customers-0.csv") == "undated"
    assert prefix_of("file:///lake/ingress/2024/03/11/ingress-0.log.gz", roots) == "ingress"
    assert prefix_of("file:///lake/partner-api/paynexa/2024-03-12.log.gz", roots) == (
        "partner-api/paynexa"
    )
    assert prefix_of("file:///lake/a.log", roots) == "(top level)"
