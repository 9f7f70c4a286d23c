"""notebooks/audit.ipynb runs end to end (its own local Spark) against a scan of the sample
lake: summaries, charts, a drill-down into one object and the expectation suites."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from sample_scan import CONF, REPO, SampleScan, sample_scan  # noqa: F401 - session fixture

NOTEBOOK = REPO / "notebooks" / "audit.ipynb"


def test_audit_notebook_runs_end_to_end(
    sample_scan: SampleScan,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = nb.cells[0]
    assert params.cell_type == "code" and "OUT =" in params.source and "SCAN_ID =" in params.source
    params.source = (
        f"OUT = {str(sample_scan.out)!r}\n"
        f"SCAN_ID = {sample_scan.scan_id!r}\n"
        f"CONF_DIR = {str(CONF)!r}\n"
    )
    # The kernel spec runs `python`: make it this virtualenv's.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()

    texts, images = [], 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", output
            if output.output_type == "stream":
                texts.append(output.text)
            elif output.output_type in ("display_data", "execute_result"):
                images += "image/png" in output.data
                texts.append(output.data.get("text/plain", ""))
                texts.append(output.data.get("text/html", ""))
    text = "\n".join(texts)
    findings = sample_scan.summary["findings"]
    assert f"{findings:,} findings in scan {sample_scan.scan_id}" in text
    assert images >= 1, "no chart was drawn"
    assert "object: file://" in text and "redacted copy: file://" in text
    assert f"validation of scan {sample_scan.scan_id}" in text
    for suite in ("findings", "manifest", "redacted"):
        assert suite in text
    sample_scan.assert_no_raw(text, "the notebook's outputs")
    # the notebook ran the suites through the same code as `piisweep validate`
    results = sample_scan.out / "validation" / sample_scan.scan_id / "results.json"
    assert json.loads(results.read_text())["scan_id"] == sample_scan.scan_id
