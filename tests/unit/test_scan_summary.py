"""The end-of-scan table printed by ``piisweep scan``."""

from __future__ import annotations

from jobs.scan_cli import summary_table

SUMMARY = {
    "scan_id": "s1",
    "out": "file:///tmp/out",
    "bytes_scanned": 12_500_000,
    "seconds": 42.25,
    "units": 3,
    "objects_by_status": {"failed": 1, "ok": 2},
    "reasons": {"failed: CorruptInput": 1},
    "findings_by_entity": {"EMAIL_ADDRESS": 1200, "PHONE_NUMBER": 7},
    "findings": 1207,
}


def test_summary_table_has_totals_statuses_and_entities() -> None:
    text = summary_table(SUMMARY)
    assert "12.5 MB scanned in 42.2 s, 3 units" in text
    assert "failed: CorruptInput" in text
    assert any(line.split() == ["EMAIL_ADDRESS", "1,200"] for line in text.splitlines())
    assert any(line.split() == ["total", "1,207"] for line in text.splitlines())


def test_summary_table_shows_phase_seconds_when_the_summary_has_them() -> None:
    phases = {"plan": 0.4, "spark_start": 9.0, "scan": 30.25, "commit": 2.6}
    text = summary_table({**SUMMARY, "phase_seconds": phases})
    assert "plan 0.4 s · spark start 9.0 s · scan 30.2 s · commit 2.6 s" in text
    assert "spark start" not in summary_table(SUMMARY)  # older summaries have no phases


def test_when_the_summary_records_the_engine_then_the_table_names_it() -> None:
    text = summary_table({**SUMMARY, "engine": "python"})
    assert "12.5 MB scanned in 42.2 s, 3 units, python engine" in text
    assert "engine" not in summary_table(SUMMARY)  # older summaries have no engine
