"""The lake scan job: crawl, plan, scan partition-wise on Spark, commit.

    piisweep scan SOURCE... --out OUT [options]
    spark-submit jobs/scan.py SOURCE... --out OUT [options]

The driver does the cheap, global steps (listing, planning, committing); Spark tasks do
the reading, detection and redaction, one RDD job over the planned units, each task
writing its staged outputs straight to storage through pyarrow and boto3 (no ``s3a``
needed). See DESIGN.md for the data flow and docs/scan.md for the decisions made here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import platform
import re
import secrets
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `spark-submit jobs/scan.py`: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyarrow as pa
import pyarrow.parquet as pq

from detectors.config import DEFAULT_ENGINE, engine_kind, load_engine
from detectors.errors import PiisweepError
from detectors.keys import KeyRing
from detectors.policy import Policy
from jobs import commit, csvsplit, storage
from jobs.formats import from_name
from jobs.plan import ObjectEntry, Skipped, Unit, assign, describe, partition_count, plan_units
from jobs.scanconfig import ScanConfig
from jobs.scanlock import ScanLock, new_attempt_id
from jobs.unit_scan import STATUS_SCHEMA, FindingsSink, ScanJob, open_unit, scan_unit, temp_dir
from jobs.worker import worker_engine

log = logging.getLogger("piisweep.scan")
MB = 1 << 20


class ScanError(PiisweepError):
    """The scan cannot start or cannot commit; the message names the culprit."""


@dataclass
class ScanRequest:
    """One scan, as the CLI, a notebook or Airflow asks for it."""

    sources: Sequence[str]
    out: str
    config: ScanConfig = field(default_factory=ScanConfig)
    policy_path: str | None = None
    conf_dir: str | None = None
    scan_id: str | None = None
    incremental: bool = False
    redacted_out: str | None = None
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    max_object_mb: float | None = None
    max_failed_fraction: float | None = None
    threshold: float | None = None
    engine: str = DEFAULT_ENGINE  # "native" (the compiled core) or "python" (the reference)
    progress: bool = True
    inject_failure_in_partition: int | None = None  # tests: fail that task's first attempt
    # Tests: called on the driver after planning, before any task reads an object (to
    # delete an object or stop a store "mid-scan" without sleeping).
    before_scan: Callable[[], None] | None = None


@dataclass
class ScanResult:
    scan_id: str
    summary: dict[str, Any]
    failed_fraction: float
    allowed_failed_fraction: float

    @property
    def ok(self) -> bool:
        return self.failed_fraction <= self.allowed_failed_fraction


# ------------------------------------------------------------------------- driver
def run_scan(request: ScanRequest, spark: Any = None, master: str | None = None) -> ScanResult:
    """Run one scan to its commit and return its summary; raises ScanError (and the
    storage/config errors, all PiisweepError) for operator mistakes, before any work."""
    started = time.time()
    cfg = request.config
    s3 = storage.S3Settings.from_env()
    out = storage.parse_uri(request.out).uri
    sse = storage.Sse(cfg.sse.mode, cfg.sse.kms_key_id) if cfg.sse else None
    scan_id = request.scan_id or _new_scan_id(started)
    _check_scan_id(scan_id)
    if storage.exists(f"{out}/scans/{scan_id}.json", s3):
        raise ScanError(f"scan id {scan_id} is already committed under {out}; pick another")

    # Everything an operator can get wrong is checked before Spark starts.
    keys = KeyRing.load()
    policy = Policy.load(request.policy_path) if request.policy_path else Policy.default()
    threshold = request.threshold if request.threshold is not None else policy.threshold
    policy = policy.with_threshold(threshold)
    policy.check_keys(keys)
    engine = load_engine(
        Path(request.conf_dir) if request.conf_dir else None, threshold, engine=request.engine
    )
    policy.check_entities(engine.entity_types)
    storage.check_writable(out, s3, sse)
    redacted_root = storage.parse_uri(
        request.redacted_out or cfg.redacted_out or f"{out}/redacted"
    ).uri
    if redacted_root != f"{out}/redacted":
        storage.check_writable(redacted_root, s3, sse)
    # One run per scan id at a time (jobs.scanlock); the attempt id names this run's
    # staging and findings parts, so nothing of a crashed or concurrent run is adopted.
    attempt = new_attempt_id()
    lock = ScanLock.acquire(out, scan_id, attempt, cfg.lock_lease_minutes * 60, s3)
    try:
        return _locked_scan(
            request, spark, master, started, scan_id, attempt, lock, out, redacted_root, keys,
            policy, engine,
        )  # fmt: skip
    finally:
        lock.release()


def _locked_scan(
    request: ScanRequest,
    spark: Any,
    master: str | None,
    started: float,
    scan_id: str,
    attempt: str,
    lock: ScanLock,
    out: str,
    redacted_root: str,
    keys: KeyRing,
    policy: Policy,
    engine: Any,
) -> ScanResult:
    """The scan proper, under the scan id's lock."""
    cfg = request.config
    s3 = storage.S3Settings.from_env()
    sse = storage.Sse(cfg.sse.mode, cfg.sse.kms_key_id) if cfg.sse else None
    if storage.exists(f"{out}/scans/{scan_id}.json", s3):  # committed while we waited
        raise ScanError(f"scan id {scan_id} is already committed under {out}; pick another")
    # Whatever an earlier run of this id left (it never committed, and we hold the lock):
    # its staged attempts and any findings parts its interrupted commit wrote.
    storage.delete_tree(f"{out}/_staging/{scan_id}", s3)
    _purge_orphan_findings(out, scan_id, s3)
    include = list(request.include) or cfg.include
    exclude = list(request.exclude) or cfg.exclude
    found = storage.crawl(request.sources, s3, include, exclude, cfg.follow_symlinks_outside)
    # A source that contains the output (scanning /data into /data/piisweep) must not scan
    # the scan's own findings, copies or staged parts, nor list its bookkeeping
    # (OUT/_staging/, OUT/_locks/) as skipped.
    own = (f"{out}/", f"{redacted_root}/")
    found = [o for o in found if not o.uri.startswith(own)]
    # Entries the crawl lists but does not read (bookkeeping paths by Spark's rule, links
    # it did not follow, directories it could not list) are never opened; they join the
    # manifest as skipped with their reason.
    not_read = [o for o in found if o.skip_reason]
    found = [o for o in found if not o.skip_reason]
    found, unsafe = _split_unsafe(found, redacted_root)
    max_mb = request.max_object_mb if request.max_object_mb is not None else cfg.max_object_mb

    objects = _describe_all(found, s3)
    unchanged: dict[str, tuple[ObjectEntry, str]] = {}
    if request.incremental:
        objects, unchanged = _only_changed(objects, out, s3)
    units, skipped = plan_units(
        objects,
        unit_bytes=int(cfg.unit_mb * MB),
        max_object_bytes=int(max_mb * MB) if max_mb else None,
        row_groups=lambda uri: _row_groups(uri, s3),
        head=lambda uri, n: _head(uri, n, s3),
        split_csv=cfg.split_csv,
    )
    units = _pinned(units, found)
    objects += [u[0] for u in unsafe]
    skipped += [u[1] for u in unsafe]
    skipped += [Skipped(o.uri, o.skip_reason or "") for o in not_read]
    objects += [ObjectEntry(o.uri, o.size, o.mtime_ms, o.etag, None, None) for o in not_read]
    staging = f"{out}/_staging/{scan_id}/{attempt}"
    job = ScanJob(
        engine=engine,
        policy=policy,
        keys=keys,
        s3=s3,
        staging=staging,
        scan_id=scan_id,
        sse=sse,
        chunk_bytes=int(cfg.chunk_mb * MB),
        max_json_bytes=int(cfg.max_json_mb * MB),
        max_line_bytes=int(cfg.max_line_mb * MB),
        max_expanded_bytes=int(cfg.max_expanded_mb * MB) if cfg.max_expanded_mb else None,
    )

    from jobs.spark import session

    phases = {"plan": time.time() - started}
    mark = time.time()
    spark = spark or session(master, cfg.spark)
    phases["spark_start"] = time.time() - mark
    if csvsplit.pending(units):
        mark = time.time()
        units = _cut_csv(spark, units, job)
        phases["csv_cuts"] = time.time() - mark
    mark = time.time()
    if request.before_scan is not None:
        request.before_scan()
    statuses, partitions, renumbering = _scan_units(spark, units, job, cfg, request, scan_id)
    phases["scan"] = time.time() - mark
    missing = {u.unit_id for u in units} - {s["unit_id"] for s in statuses}
    if missing:  # cannot happen unless Spark lost output; never commit a partial scan
        raise ScanError(f"{len(missing)} units have no status; scan {scan_id} not committed")
    lock.check()  # a run whose lease ran out while it stalled must not commit

    summary = _commit(
        spark,
        request,
        scan_id,
        started,
        out,
        redacted_root,
        objects,
        statuses,
        skipped,
        unchanged,
        job,
        cfg,
        phases,
        attempt,
        partitions,
        renumbering,
        lock,
    )
    storage.delete_tree(f"{out}/_staging/{scan_id}", s3)
    failed = summary["objects_by_status"].get("failed", 0)
    # Bookkeeping entries are listed, not candidates for scanning: they do not dilute the
    # failed fraction (a lake of many `_SUCCESS` markers must not hide its failures).
    total = max(1, sum(summary["objects_by_status"].values()) - _bookkeeping_count(summary))
    allowed = (
        request.max_failed_fraction
        if request.max_failed_fraction is not None
        else cfg.max_failed_fraction
    )
    return ScanResult(scan_id, summary, failed / total, allowed)


def _bookkeeping_count(summary: dict[str, Any]) -> int:
    """Manifest rows skipped by Spark's bookkeeping rule, from the summary's reasons."""
    return sum(
        n
        for key, n in summary.get("reasons", {}).items()
        if key.startswith("skipped: ") and storage.is_bookkeeping(key[len("skipped: ") :])
    )


def _new_scan_id(now: float) -> str:
    stamp = dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def _check_scan_id(scan_id: str) -> None:
    if (
        not scan_id
        or len(scan_id) > 100
        or not all(c.isascii() and (c.isalnum() or c in "-_.") for c in scan_id)
        or scan_id.startswith(".")
    ):
        # Not starting with a dot: `..` would name OUT itself in `_staging/<scan_id>`.
        raise ScanError(
            "--scan-id: use 1-100 letters, digits, '-', '_' or '.', not starting with '.'"
        )


def _purge_orphan_findings(out: str, scan_id: str, s3: storage.S3Settings) -> None:
    """Delete findings parts of ``scan_id`` that an interrupted commit left behind (the id
    is not committed, so none of its parts is), so this run never adopts them.

    The names are ambiguous across ids: ``part-s-0123456789ab-00000.parquet`` is an
    attempt ``0123456789ab`` of ``s``, or a part (in the format before attempts) of a
    scan ``s-0123456789ab``. A part that a committed scan's id accounts for is never
    deleted: committed findings outrank orphan cleanup."""
    name = re.compile(rf"part-{re.escape(scan_id)}-(?:[0-9a-f]{{12}}-)?\d{{5}}\.parquet")
    committed = [
        uri.rsplit("/", 1)[-1][: -len(".json")]
        for uri in storage.list_files(f"{out}/scans", s3)
        if uri.endswith(".json")
    ]
    longer = [f"part-{c}-" for c in committed if c.startswith(f"{scan_id}-")]
    for uri in storage.list_files(f"{out}/findings", s3):
        base = uri.rsplit("/", 1)[-1]
        if name.fullmatch(base) and not any(base.startswith(p) for p in longer):
            log.warning("scan %s: deleting an orphan findings part %s", scan_id, uri)
            storage.delete_tree(uri, s3)


def _split_unsafe(
    found: list[storage.ObjectInfo], redacted_root: str
) -> tuple[list[storage.ObjectInfo], list[tuple[ObjectEntry, Skipped]]]:
    """Objects whose redacted copy cannot be proven to stay under the redacted root and
    to be writable there are not opened; each is reported as skipped with the reason, never
    dropped silently: an S3 key with a `..`, `.` or empty segment (`a/../../etc/x`,
    `a//b`), a segment longer than a file name may be, or two keys whose copies would need
    one path as both a file and a directory (`x` and `x.parquet/y`; both are skipped). The
    reasons never quote the key: the manifest's uri already names the object."""
    reasons = {o.uri: commit.unsafe_reason(redacted_root, o.uri) for o in found}
    dests = {
        o.uri: commit.redacted_uri(redacted_root, o.uri) for o in found if reasons[o.uri] is None
    }
    for uri in commit.colliding(dests):
        reasons[uri] = (
            "unsafe key: its redacted copy's path is a directory of another object's copy, "
            "or lies under it"
        )
    safe, unsafe = [], []
    for o in found:
        reason = reasons[o.uri]
        if reason is None:
            safe.append(o)
            continue
        kind = from_name(o.uri)
        entry = ObjectEntry(o.uri, o.size, o.mtime_ms, o.etag, kind.fmt, kind.compression)
        unsafe.append((entry, Skipped(o.uri, reason)))
    return safe, unsafe


def _pinned(units: list[Unit], found: Sequence[storage.ObjectInfo]) -> list[Unit]:
    """Units of local files carry the real path and (device, inode) the crawl saw, so
    their task reads that file and no other (see storage.open_pinned)."""
    pins = {o.uri: o for o in found if o.real_path is not None}
    out = []
    for u in units:
        o = pins.get(u.uri)
        out.append(u if o is None else replace(u, real_path=o.real_path, dev=o.dev, ino=o.ino))
    return out


def _describe_all(found: Sequence[storage.ObjectInfo], s3: storage.S3Settings) -> list[ObjectEntry]:
    def one(o: storage.ObjectInfo) -> ObjectEntry:
        return describe(o.uri, o.size, o.mtime_ms, o.etag, lambda uri, n: _head(uri, n, s3))

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(one, found))


def _head(uri: str, n: int, s3: storage.S3Settings) -> bytes:
    """The first ``n`` bytes, or none when the object cannot be read now (unreadable,
    deleted since the crawl, endpoint gone): the planner then takes the object whole and
    its task reports the error as the object's status, instead of the driver failing."""
    try:
        with storage.open_input(uri, s3) as f:
            return f.read(n)  # type: ignore[no-any-return]
    except (storage.StorageError, OSError, ValueError) as exc:
        log.info("cannot read the head of %s (%s); its task reports it", uri, type(exc).__name__)
        return b""


def _row_groups(uri: str, s3: storage.S3Settings) -> list[tuple[int, int]]:
    try:
        with storage.open_input(uri, s3) as f:
            meta = pq.ParquetFile(f).metadata
            return [
                (meta.row_group(i).num_rows, meta.row_group(i).total_byte_size)
                for i in range(meta.num_row_groups)
            ]
    except (pa.ArrowInvalid, OSError, storage.StorageError):
        return []  # scanned whole; the task reports the corruption or the storage error


def _only_changed(
    objects: list[ObjectEntry], out: str, s3: storage.S3Settings
) -> tuple[list[ObjectEntry], dict[str, tuple[ObjectEntry, str]]]:
    """Objects new or changed since the last committed scan, and the unchanged ones with
    the id of the scan that last read them. An object that failed last time is rescanned."""
    scans = commit.committed_scans(out, s3)
    if not scans:
        return objects, {}
    last = scans[-1]
    table = pq.read_table(storage.open_input(f"{out}/manifests/{last['scan_id']}.parquet", s3))
    seen = {row["uri"]: row for row in table.to_pylist() if row["status"] in ("ok", "unchanged")}
    changed: list[ObjectEntry] = []
    unchanged: dict[str, tuple[ObjectEntry, str]] = {}
    for obj in objects:
        prev = seen.get(obj.uri)
        same = prev is not None and (prev["size"], prev["mtime_ms"], prev["etag"]) == (
            obj.size,
            obj.mtime_ms,
            obj.etag,
        )
        if prev is not None and same:
            unchanged[obj.uri] = (obj, prev["last_scanned_by"])
        else:
            changed.append(obj)
    return changed, unchanged


# ------------------------------------------------------------------------- tasks
def _scan_units(
    spark: Any,
    units: list[Unit],
    job: ScanJob,
    cfg: ScanConfig,
    request: ScanRequest,
    scan_id: str,
) -> tuple[list[dict[str, Any]], int, list[int]]:
    """Every unit's status row, the number of partitions (each stages one findings part,
    ``part-<partition>.parquet``) and those that also stage ``renumber-<partition>.parquet``
    (they hold a unit whose findings the commit renumbers, :attr:`Unit.renumbered`)."""
    if not units:
        return [], 0, []
    sc = spark.sparkContext
    partitions = cfg.partitions or partition_count(
        units, sc.defaultParallelism, int(cfg.partition_mb * MB)
    )
    bins = assign(units, partitions)
    rows = [(i, json.dumps([u.__dict__ for u in b])) for i, b in enumerate(bins)]
    # An RDD job, not a DataFrame's mapInArrow: a scan's few small rows in and out need no
    # query planning, and the first DataFrame query of a session costs ~2 s of the driver
    # JVM's time (docs/decisions.md).
    rdd = sc.parallelize(rows, len(rows))
    done_units = sc.accumulator(0)
    done_bytes = sc.accumulator(0)
    fail = request.inject_failure_in_partition

    def run(items: Iterator[tuple[int, str]]) -> Iterator[dict[str, Any]]:
        yield from _run_partition(items, job, done_units, done_bytes, fail)

    # The job group lets a caller (Airflow, a test) find this scan's Spark jobs and stages;
    # the description shows in the Spark UI and holds no data.
    sc.setJobGroup(f"piisweep-{scan_id}", f"piisweep scan {scan_id}: {len(units)} units")
    total_bytes = sum(u.size for u in units)
    with _Progress(len(units), total_bytes, done_units, done_bytes, request.progress):
        got = rdd.mapPartitions(run).collect()
    sc.setJobDescription(None)
    sc.setLocalProperty("spark.jobGroup.id", None)
    renumbering = [i for i, b in enumerate(bins) if any(u.renumbered for u in b)]
    # Typed as the status schema says, as the Arrow rows came before.
    return pa.Table.from_pylist(got, schema=STATUS_SCHEMA).to_pylist(), len(bins), renumbering


def _run_partition(
    items: Iterator[tuple[int, str]],
    job: ScanJob,
    done_units: Any,
    done_bytes: Any,
    fail_partition: int | None,
) -> Iterator[dict[str, Any]]:
    """A Spark task: scan its units in order, stage its findings, report statuses (the
    rows, once the findings are staged). ``items``: (partition, its units as JSON)."""
    from pyspark import TaskContext

    job.engine = worker_engine(job.token, job.engine)
    tmp = temp_dir()
    try:
        sink = FindingsSink(tmp, job.keys.fingerprint_key, job.scan_id)
        rows: list[dict[str, Any]] = []
        partition = -1
        for partition, units_json in items:
            for n, spec in enumerate(json.loads(units_json)):
                unit = Unit(**spec)
                status = scan_unit(unit, job, sink, tmp)
                rows.append(status.as_row())
                done_units.add(1)
                done_bytes.add(unit.size)
                ctx = TaskContext.get()
                if (
                    partition == fail_partition
                    and n == 0
                    and ctx is not None
                    and ctx.attemptNumber() == 0
                ):
                    raise RuntimeError("injected task failure (first attempt)")
        if partition >= 0:
            path, renumbered = sink.close()
            dest = commit.staged_findings(job.staging, partition)
            storage.move_file(path, dest, job.s3, job.sse)
            if renumbered is not None:
                dest = commit.staged_findings(job.staging, partition, renumber=True)
                storage.move_file(renumbered, dest, job.s3, job.sse)
        yield from rows
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _cut_csv(spark: Any, units: list[Unit], job: ScanJob) -> list[Unit]:
    """The large CSV/TSV objects' candidate ranges summarised on the executors (one Spark
    job over all of them: the driver never reads these objects), then cut at records by
    ``jobs.csvsplit`` on the driver. A range that cannot be read leaves its object whole;
    its scan task reports the error."""
    s3 = job.s3
    candidates = csvsplit.pending(units)

    def summarize(item: list[Any]) -> str | None:
        unit = Unit(**item[0])
        try:
            with open_unit(unit, s3, sequential=False) as f:
                found = csvsplit.summarize_range(
                    f, unit.start, unit.end, csvsplit.DELIMITERS[unit.fmt or "csv"]
                )
        except Exception as exc:  # the task of the whole object reports it, by class only
            log.info("CSV range not summarised (%s); its object stays whole", type(exc).__name__)
            return None
        return None if found is None else json.dumps(asdict(found))

    items = [[u.__dict__] for u in candidates]
    what = f"{len(candidates)} CSV ranges"
    results = _foreach(spark, items, summarize, what, "piisweep plan: record cuts of")
    summaries = {
        u.unit_id: None if r is None else csvsplit.RangeSummary(**json.loads(r))
        for u, r in zip(candidates, results, strict=True)
    }
    return csvsplit.csv_units(units, summaries)


def _finalize_objects(spark: Any, plans: list[commit.ObjectPlan], job: ScanJob) -> dict[str, str]:
    """Move or merge every object's redacted parts into place, as Spark tasks; returns the
    objects whose copy could not be written, with the reason (each becomes that object's
    failure: one unwritable copy must not fail the Spark job and so the whole scan)."""
    s3, sse = job.s3, job.sse

    def finalize(item: list[Any]) -> str | None:
        _uri, dest, parts = item
        return commit.finalize_object_or_reason([tuple(p) for p in parts], dest, s3, sse)

    items = [[p.uri, p.dest, p.parts] for p in plans]
    results = _foreach(spark, items, finalize, f"{len(plans)} redacted copies")
    return {p.uri: r for p, r in zip(plans, results, strict=True) if r is not None}


def _finalize_findings(
    spark: Any,
    staged: list[tuple[str, bool]],
    offsets: dict[str, tuple[int, int]],
    scan_id: str,
    attempt: str,
    dest_dir: str,
    job: ScanJob,
) -> None:
    """Every staged findings part ``(uri, renumber)`` put under ``dest_dir``, as Spark
    tasks: moved when a task staged it in the table's form, renumbered and rewritten when
    it holds byte ranges after their object's first. A scan's findings can outgrow the
    driver, and one process doing them all would be the serial tail of every scan."""
    s3, sse = job.s3, job.sse

    def finalize(item: list[Any]) -> None:
        n, uri, renumber = item
        dest = commit.findings_part_name(dest_dir, scan_id, attempt, n)
        if renumber:
            commit.finalize_findings_part(uri, dest, offsets, scan_id, s3, sse)
        else:
            commit.move_findings_part(uri, dest, s3, sse)

    items = [[n, uri, renumber] for n, (uri, renumber) in enumerate(sorted(staged))]
    _foreach(spark, items, finalize, f"{len(staged)} findings parts")


def _foreach(
    spark: Any,
    items: list[list[Any]],
    fn: Callable[[list[Any]], str | None],
    what: str,
    stage: str = "piisweep commit:",
) -> list[str | None]:
    """``fn`` on every item (JSON-able, distinct), as one Spark job (an RDD's, as the
    scan's) of up to 4 tasks per core; returns what ``fn`` returned for each item, in
    order, and raises unless every item was done."""
    if not items:
        return []
    sc = spark.sparkContext
    texts = [json.dumps(item) for item in items]
    n = min(len(texts), 4 * sc.defaultParallelism)

    def run(part: Iterator[str]) -> Iterator[tuple[str, str | None]]:
        for text in part:
            yield text, fn(json.loads(text))

    sc.setJobDescription(f"{stage} {what}")
    got = dict(sc.parallelize(texts, n).mapPartitions(run).collect())
    sc.setJobDescription(None)
    if len(got) != len(items):
        raise ScanError(f"only {len(got)} of {what} were written")
    return [got[text] for text in texts]


# ------------------------------------------------------------------------- commit
def _commit(
    spark: Any,
    request: ScanRequest,
    scan_id: str,
    started: float,
    out: str,
    redacted_root: str,
    objects: list[ObjectEntry],
    statuses: list[dict[str, Any]],
    skipped: list[Skipped],
    unchanged: dict[str, tuple[ObjectEntry, str]],
    job: ScanJob,
    cfg: ScanConfig,
    phases: dict[str, float],
    attempt: str,
    partitions: int,
    renumbering: list[int],
    lock: ScanLock,
) -> dict[str, Any]:
    """Only this attempt's staged parts are committed, and only those its statuses name:
    each partition's findings part (all must be there) and each unit's redacted part (an
    object gets a copy when every one of its units staged one; a unit that could not even
    open its object stages none, and the object is reported without a copy)."""
    mark = time.time()
    s3, sse = job.s3, job.sse
    present = set(storage.list_files(job.staging, s3))
    plans = commit.object_plans(statuses, job.staging, redacted_root, present)
    # Checked before each write under the shared output, not only before the summary: a
    # run whose lease ran out must not replace its successor's copies or add findings
    # parts (readers take only the parts a summary lists; this keeps OUT clean as well).
    lock.check()
    unwritten = _finalize_objects(spark, plans, job)
    scan_date = dt.datetime.fromtimestamp(started, dt.timezone.utc).strftime("%Y-%m-%d")
    staged = [(commit.staged_findings(job.staging, p), False) for p in range(partitions)]
    staged += [(commit.staged_findings(job.staging, p, True), True) for p in renumbering]
    lost = [uri for uri, _ in staged if uri not in present]
    if lost:  # cannot happen unless a task's output vanished; never commit partial findings
        raise ScanError(f"{len(lost)} staged findings parts missing; scan {scan_id} not committed")
    findings_dir = f"{out}/findings/scan_date={scan_date}"
    lock.check()
    _finalize_findings(
        spark,
        staged,
        commit.unit_offsets(statuses),
        scan_id,
        attempt,
        findings_dir,
        job,
    )
    own_parts = f"part-{scan_id}-{attempt}-"
    findings_parts = sorted(
        f"scan_date={scan_date}/{uri.rsplit('/', 1)[-1]}"
        for uri in storage.list_files(findings_dir, s3)
        if uri.rsplit("/", 1)[-1].startswith(own_parts)
    )
    dests = {p.uri: p.dest for p in plans if p.uri not in unwritten}
    manifest = _manifest_rows(scan_id, objects, statuses, skipped, unchanged, dests, unwritten)
    commit.write_manifest(manifest, f"{out}/manifests/{scan_id}.parquet", s3, sse)

    entities: Counter[str] = Counter()
    flags: Counter[str] = Counter()
    for row in statuses:
        entities.update(json.loads(row["entities"]))
        flags.update(json.loads(row["flags"]))
    by_status = Counter(r["status"] for r in manifest)
    bookkeeping = {s.uri for s in skipped if storage.is_bookkeeping(s.reason)}
    units_by_status = Counter(r["status"] for r in statuses)
    reasons: Counter[str] = Counter()
    for r in manifest:
        if r["status"] in ("failed", "skipped"):
            reasons[f"{r['status']}: {r['error_class'] or r['reason']}"] += 1
    finished = time.time()
    phases = {**phases, "commit": finished - mark}
    summary: dict[str, Any] = {
        "scan_id": scan_id,
        "scan_date": scan_date,
        "started_at": dt.datetime.fromtimestamp(started, dt.timezone.utc).isoformat(),
        "finished_at": dt.datetime.fromtimestamp(finished, dt.timezone.utc).isoformat(),
        "seconds": round(finished - started, 3),
        # Wall seconds per stage: crawl and plan, Spark start-up, the scan job, the commit.
        "phase_seconds": {k: round(v, 3) for k, v in phases.items()},
        "sources": [storage.parse_uri(s).uri for s in request.sources],
        "out": out,
        "redacted_root": redacted_root,
        "incremental": request.incremental,
        "config_digest": _digest(cfg, job),
        # Which engine ran (`--engine`); not in the digest, since both give the same findings.
        "engine": engine_kind(job.engine),
        "versions": _versions(),
        "objects": len(manifest),
        "objects_by_status": dict(sorted(by_status.items())),
        "units": len(statuses),
        "units_by_status": dict(sorted(units_by_status.items())),
        "reasons": dict(sorted(reasons.items())),
        "flags": dict(sorted(flags.items())),
        "findings": sum(entities.values()),
        # The findings table's files of this scan (relative to OUT/findings): readers take
        # these, never whatever else matches the scan id.
        "attempt": attempt,
        "findings_parts": findings_parts,
        "findings_by_entity": dict(sorted(entities.items())),
        "bytes_scanned": sum(r["bytes_read"] for r in statuses),
        # Bytes of the objects the scan meant to read (bookkeeping entries are left out).
        "bytes_listed": sum(o.size for o in objects if o.uri not in bookkeeping),
    }
    lock.check()
    commit.write_json(summary, f"{out}/scans/{scan_id}.json", s3, sse)
    return summary


def _manifest_rows(
    scan_id: str,
    objects: list[ObjectEntry],
    statuses: list[dict[str, Any]],
    skipped: list[Skipped],
    unchanged: dict[str, tuple[ObjectEntry, str]],
    dests: dict[str, str],
    unwritten: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One row per listed object: its worst unit status, reason, flags and counts; an
    unchanged object (incremental) points to the scan that last read it. An object whose
    copy could not be written (``unwritten``, with the reason) is failed: its findings
    stand, but it has no copy."""
    unwritten = unwritten or {}
    by_uri: dict[str, list[dict[str, Any]]] = {}
    for row in statuses:
        by_uri.setdefault(row["uri"], []).append(row)
    skip_reason = {s.uri: s.reason for s in skipped}
    rows = []
    for obj in objects:
        units = sorted(by_uri.get(obj.uri, []), key=lambda r: r["seq"])
        worst = next((u for u in units if u["status"] != "ok"), None)
        flags: Counter[str] = Counter()
        for u in units:
            flags.update(json.loads(u["flags"]))
        row = _manifest_row(scan_id, obj, scan_id)
        row.update(
            format=next((u["fmt"] for u in units if u["fmt"]), obj.fmt),
            units=len(units),
            records=sum(u["records"] for u in units),
            findings=sum(u["findings"] for u in units),
            flags=json.dumps(dict(sorted(flags.items()))),
            redacted_uri=dests.get(obj.uri),
        )
        if worst is not None:
            row.update(status=worst["status"], error_class=worst["error_class"])
            row["reason"] = worst["reason"]
        if obj.uri in unwritten:
            row.update(status="failed", error_class="CopyNotWritten", reason=unwritten[obj.uri])
        if obj.uri in skip_reason:
            row.update(status="skipped", reason=skip_reason[obj.uri])
        rows.append(row)
    for obj, last in unchanged.values():
        row = _manifest_row(scan_id, obj, last)
        row.update(status="unchanged", reason=f"unchanged since scan {last}")
        rows.append(row)
    return sorted(rows, key=lambda r: r["uri"])


def _manifest_row(scan_id: str, obj: ObjectEntry, last_scanned_by: str) -> dict[str, Any]:
    return {
        "scan_id": scan_id,
        "uri": obj.uri,
        "size": obj.size,
        "mtime_ms": obj.mtime_ms,
        "etag": obj.etag,
        "format": obj.fmt,
        "compression": obj.compression,
        "status": "ok",
        "error_class": None,
        "reason": None,
        "units": 0,
        "records": 0,
        "findings": 0,
        "flags": "{}",
        "redacted_uri": None,
        "last_scanned_by": last_scanned_by,
    }


def _digest(cfg: ScanConfig, job: ScanJob) -> str:
    text = json.dumps(
        {
            "config": cfg.model_dump(mode="json"),
            "threshold": job.policy.threshold,
            "policy": job.policy.source if hasattr(job.policy, "source") else None,
            "detectors": sorted(d.name for d in job.engine.detectors),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for name in ("piisweep", "pyspark", "pyarrow", "hyperscan"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "unknown"
    return out


class _Progress:
    """Units done / total and bytes scanned, from Spark accumulators, on stderr."""

    def __init__(self, units: int, nbytes: int, done_units: Any, done_bytes: Any, on: bool):
        self.units, self.nbytes, self.on = units, nbytes, on
        self.done_units, self.done_bytes = done_units, done_bytes
        self._stop = False
        self._thread: Any = None

    def __enter__(self) -> _Progress:
        if self.on:
            import threading

            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        if self._thread is not None:
            self._thread.join()
            self._draw(final=True)

    def _loop(self) -> None:
        tty = sys.stderr.isatty()
        last = -1.0
        while not self._stop:
            time.sleep(0.5)
            now = time.time()
            if tty or now - last >= 10:
                self._draw(final=False)
                last = now

    def _draw(self, final: bool) -> None:
        units, nbytes = self.done_units.value, self.done_bytes.value
        width = 30
        filled = int(width * units / max(1, self.units))
        bar = "#" * filled + "." * (width - filled)
        text = (
            f"[{bar}] {units}/{self.units} units, {nbytes / 1e6:,.1f}/{self.nbytes / 1e6:,.1f} MB"
        )
        end = "\n" if final or not sys.stderr.isatty() else ""
        sys.stderr.write(("\r" if sys.stderr.isatty() else "") + text + end)
        sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """``spark-submit jobs/scan.py …``: the same arguments as ``piisweep scan``."""
    from jobs.cli import main as cli_main

    return cli_main(["scan", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    sys.exit(main())
