"""Running the suites: an ephemeral or file GX context, one checkpoint per suite, results
scrubbed of values, Data Docs written back beside the scan."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from detectors.config import DEFAULT_ENGINE, load_engine
from detectors.entities import VOCABULARY
from detectors.keys import KeyRing
from detectors.policy import Policy
from jobs import storage
from jobs.validate.base import (
    KEYS_WITH_VALUES,
    LOCATION_COLUMNS,
    MAX_LOCATIONS,
    PRINTABLE,
    STRUCTURAL,
)
from jobs.validate.batches import build_batches
from jobs.validate.inputs import resolve_scan
from jobs.validate.residual import ResidualJob
from jobs.validate.results import Failure, SuiteOutcome, ValidationOutcome
from jobs.validate.suites import Suite, default_suites_dir, load_suites, policy_entities


def validate(
    out: str,
    scan_id: str | None = None,
    *,
    spark: Any = None,
    master: str | None = None,
    conf_dir: str | None = None,
    policy_path: str | None = None,
    threshold: float | None = None,
    engine: str = DEFAULT_ENGINE,
    suites_dir: str | None = None,
    docs: bool = True,
) -> ValidationOutcome:
    """Validate one committed scan; write ``results.json`` and ``data_docs/`` under
    ``OUT/validation/<scan_id>/``. Uses the detectors and policy the scan used: pass the
    same ``conf_dir``, ``policy_path`` and ``threshold``. ``engine`` is the kind of detector
    engine that runs the preview check and the residual scan ("native" or "python")."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    s3 = storage.S3Settings.from_env()
    out = storage.parse_uri(out).uri
    summary = resolve_scan(out, scan_id, s3)
    scan_id = summary["scan_id"]
    policy = Policy.load(policy_path) if policy_path else Policy.default()
    if threshold is not None:
        policy = policy.with_threshold(threshold)
    detector_engine = load_engine(
        Path(conf_dir) if conf_dir else None, policy.threshold, engine=engine
    )
    policy.check_entities(detector_engine.entity_types)
    suites = load_suites(Path(suites_dir) if suites_dir else default_suites_dir(conf_dir))
    ignore = frozenset(
        a for s in suites for a in s.meta.get("residual_scan", {}).get("ignore_actions", ["keep"])
    )
    parameters = {
        "scan_ids": [scan_id],
        "entity_types": sorted(
            set(VOCABULARY) | detector_engine.entity_types | policy_entities(policy)
        ),
        "summary_objects": summary.get("objects", 0),
    }

    from jobs.spark import session

    spark = spark or session(master)
    sc = spark.sparkContext
    sc.setJobGroup(f"piisweep-validate-{scan_id}", f"piisweep validate {scan_id}")
    job = ResidualJob(detector_engine, policy, KeyRing.load(), ignore, s3)
    batches = build_batches(spark, out, summary, job)
    try:
        results = _run_suites(suites, batches, parameters)
    finally:
        for df in batches.values():
            df.unpersist()
        sc.setLocalProperty("spark.jobGroup.id", None)
        sc.setJobDescription(None)

    failures = [f for name, res in results for f in _failures(name, res)]
    doc = {
        "scan_id": scan_id,
        "out": out,
        "validated_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "success": all(res["success"] for _, res in results),
        "parameters": {k: v for k, v in parameters.items()},
        "failures": [f.message() for f in failures],
        "suites": {name: res for name, res in results},
    }
    base = f"{out}/validation/{scan_id}"
    results_uri = f"{base}/results.json"
    storage.write_bytes(
        json.dumps(doc, indent=2, sort_keys=True, default=str).encode() + b"\n", results_uri, s3
    )
    docs_uri = _data_docs(suites, results, f"{base}/data_docs", s3) if docs else None
    outcomes = [
        SuiteOutcome(
            name,
            res["success"],
            res["statistics"]["evaluated_expectations"],
            res["statistics"]["successful_expectations"],
        )
        for name, res in results
    ]
    return ValidationOutcome(
        scan_id, out, doc["success"], outcomes, failures, results_uri, docs_uri, doc
    )


def _context(mode: str, root: str | None = None) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = (
        gx.get_context(mode="file", project_root_dir=root)
        if mode == "file"
        else gx.get_context(mode="ephemeral")
    )
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


def _run_suites(
    suites: list[Suite], batches: dict[str, Any], parameters: dict[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """Run every suite on its batch with GX's Spark data source; results scrubbed of values.

    Two passes: every expectation with ``BOOLEAN_ONLY`` (GX bundles their aggregates into a
    few Spark jobs), then the failed ones again with ``SUMMARY`` and the batch's location
    columns, so only failures pay for the jobs that find unexpected rows."""
    ctx = _context("ephemeral")
    source = ctx.data_sources.add_spark("piisweep", persist=False)
    results = []
    for suite in suites:
        expectations = suite.doc.get("expectations", [])
        doc, ids = _run_one(ctx, source, suite, expectations, batches, parameters, "BOOLEAN_ONLY")
        order = [ids.index(item["expectation_config"]["id"]) for item in doc["results"]]
        failed = [i for i, item in zip(order, doc["results"], strict=True) if not item["success"]]
        if failed:
            detail, detail_ids = _run_one(
                ctx,
                source,
                suite,
                [expectations[i] for i in failed],
                batches,
                parameters,
                {
                    "result_format": "SUMMARY",
                    "partial_unexpected_count": 20,
                    "unexpected_index_column_names": LOCATION_COLUMNS[suite.batch],
                },
                tag="details",
            )
            by_index = {
                failed[detail_ids.index(item["expectation_config"]["id"])]: item
                for item in detail["results"]
            }
            doc["results"] = [
                by_index.get(i, item) for i, item in zip(order, doc["results"], strict=True)
            ]
        results.append((suite.name, scrub(doc)))
    return results


def _run_one(
    ctx: Any,
    source: Any,
    suite: Suite,
    expectations: list[dict[str, Any]],
    batches: dict[str, Any],
    parameters: dict[str, Any],
    result_format: Any,
    tag: str = "all",
) -> tuple[dict[str, Any], list[str]]:
    """One GX run of ``expectations`` on the suite's batch: the result as JSON and the ids
    GX gave the expectations, in the order given."""
    import great_expectations as gx

    name = f"{suite.name}-{tag}"
    definition = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("scan")
    gx_suite = ctx.suites.add(
        gx.ExpectationSuite(name=name, expectations=expectations, meta=suite.doc.get("meta"))
    )
    vd = ctx.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=definition, suite=gx_suite)
    )
    result = vd.run(
        batch_parameters={"dataframe": batches[suite.batch]},
        expectation_parameters=parameters,
        result_format=result_format,
    )
    doc = result.to_json_dict()
    doc["suite_name"] = suite.name
    return doc, [str(e.id) for e in gx_suite.expectations]


def _columns(kwargs: dict[str, Any]) -> list[str]:
    if "column" in kwargs:
        return [kwargs["column"]]
    if "column_A" in kwargs:
        return [kwargs["column_A"], kwargs["column_B"]]
    return []


def scrub(result: dict[str, Any]) -> dict[str, Any]:
    """A suite result with no value of a non-printable column: unexpected values, observed
    values and the value part of index lists are removed; locations and counts stay."""
    for item in result.get("results", []):
        config = item.get("expectation_config", {})
        columns = _columns(config.get("kwargs", {}))
        printable = config.get("type") in STRUCTURAL or all(c in PRINTABLE for c in columns)
        res = item.get("result") or {}
        if not printable:
            for key in (*KEYS_WITH_VALUES, "observed_value"):
                res.pop(key, None)
        for key in ("partial_unexpected_index_list", "unexpected_index_list"):
            if key in res:
                res[key] = [_scrub_index(entry) for entry in res[key] or []]
        res.pop("unexpected_rows", None)
        item["result"] = res
        info = item.get("exception_info") or {}
        if info.get("exception_traceback"):
            info["exception_traceback"] = None  # may quote data; the message stays
    return result


def _scrub_index(entry: Any) -> Any:
    if isinstance(entry, dict):
        return {k: v for k, v in entry.items() if k in PRINTABLE}
    return None


def _locations(res: dict[str, Any]) -> list[str]:
    """Row locations from a (scrubbed) index list: object URI, line, record."""
    out: list[str] = []
    for entry in res.get("partial_unexpected_index_list") or []:
        if not isinstance(entry, dict):
            continue
        if entry and all(isinstance(v, list) for v in entry.values()):  # Spark: columnar
            keys = list(entry)
            rows = [
                dict(zip(keys, vals, strict=True)) for vals in zip(*entry.values(), strict=True)
            ]
        else:
            rows = [entry]
        for row in rows:
            text = _location(row)
            if text and text not in out:
                out.append(text)
    return out[:MAX_LOCATIONS]


def _location(row: dict[str, Any]) -> str:
    where = row.get("source_uri") or row.get("uri") or row.get("redacted_uri") or ""
    parts = [str(where)]
    if row.get("line_number") is not None:
        parts.append(f"line {row['line_number']}")
    if row.get("record_index") is not None:
        parts.append(f"record {row['record_index']}")
    if row.get("residual_at"):
        parts.append(f"({row['residual_at']})")
    return " ".join(p for p in parts if p)


def _failures(suite: str, result: dict[str, Any]) -> list[Failure]:
    failures = []
    for item in result.get("results", []):
        if item.get("success"):
            continue
        config = item.get("expectation_config", {})
        kwargs = config.get("kwargs", {})
        res = item.get("result") or {}
        columns = _columns(kwargs)
        info = item.get("exception_info") or {}
        error = info.get("exception_message") if info.get("raised_exception") else None
        values: list[Any] = []
        if config.get("type") in STRUCTURAL or all(c in PRINTABLE for c in columns):
            for v in res.get("partial_unexpected_list") or []:
                if v not in values:
                    values.append(v)
        failures.append(
            Failure(
                suite=suite,
                expectation=config.get("type", "?"),
                columns=columns,
                description=config.get("description"),
                unexpected=res.get("unexpected_count"),
                total=res.get("element_count"),
                values=values[:MAX_LOCATIONS],
                locations=_locations(res),
                observed=res.get("observed_value") if "unexpected_count" not in res else None,
                error=error.splitlines()[0][:200] if error else None,
            )
        )
    return failures


def _data_docs(
    suites: list[Suite],
    results: list[tuple[str, dict[str, Any]]],
    dest: str,
    s3: storage.S3Settings,
) -> str:
    """GX Data Docs for the scrubbed results, built in a file context in a temp dir and
    copied to ``dest`` through storage; returns the index page's URI."""
    import great_expectations as gx
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    tmp = tempfile.mkdtemp(prefix="piisweep-gx-")
    try:
        ctx = _context("file", tmp)
        run_id = RunIdentifier(run_name="piisweep", run_time=dt.datetime.now(dt.timezone.utc))
        for suite, (name, res) in zip(suites, results, strict=True):
            ctx.suites.add(
                gx.ExpectationSuite(
                    name=name,
                    expectations=suite.doc.get("expectations", []),
                    meta=suite.doc.get("meta"),
                )
            )
            result = ExpectationSuiteValidationResult(**_result_kwargs(res, run_id))
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=name),
                run_id=run_id,
                batch_identifier=suite.batch,
            )
            ctx.validation_results_store.set(key, result)
        ctx.build_data_docs()
        site = Path(tmp) / "gx" / "uncommitted" / "data_docs" / "local_site"
        storage.delete_tree(dest, s3)  # the site of an earlier validation of this scan
        for path in sorted(site.rglob("*")):
            if path.is_file():
                rel = path.relative_to(site).as_posix()
                storage.write_file(str(path), f"{dest}/{rel}", s3)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return f"{dest}/index.html"


def _result_kwargs(res: dict[str, Any], run_id: Any) -> dict[str, Any]:
    from great_expectations.core import ExpectationValidationResult
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    items = []
    for item in res.get("results", []):
        config = dict(item["expectation_config"])
        result = dict(item.get("result") or {})
        if config["type"] == "expect_table_columns_to_match_ordered_list" and item["success"]:
            # a BOOLEAN_ONLY result has no observed value; the page renderer orders the
            # columns by it, and on success it is the expected list
            result.setdefault("observed_value", config["kwargs"]["column_list"])
        items.append(
            ExpectationValidationResult(
                success=item["success"],
                expectation_config=ExpectationConfiguration(
                    type=config["type"],
                    kwargs=config.get("kwargs", {}),
                    meta=config.get("meta"),
                    description=config.get("description"),
                ),
                result=result,
                meta=item.get("meta"),
                exception_info=item.get("exception_info"),
            )
        )
    return {
        "success": res["success"],
        "results": items,
        "suite_name": res.get("suite_name"),
        "statistics": res.get("statistics"),
        "meta": {
            **{k: v for k, v in (res.get("meta") or {}).items() if k != "run_id"},
            "run_id": run_id,
        },
    }
