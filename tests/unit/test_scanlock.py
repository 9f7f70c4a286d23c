"""The scan-id lock (jobs.scanlock) on local disk and on S3 (moto over HTTP), without Spark,
and the output-path checks of the commit (issue #16 items 5 and 7)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from s3server import moto_endpoint, moto_s3_env  # noqa: F401

from jobs import commit, storage
from jobs.scan import ScanError, _check_scan_id, _purge_orphan_findings, _split_unsafe
from jobs.scanconfig import ConfigError, load_scan_config
from jobs.scanlock import LockError, ScanLock, lock_uri


@pytest.fixture
def s3_out(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:  # noqa: F811
    for name, value in moto_s3_env(moto_endpoint).items():
        monkeypatch.setenv(name, value)
    storage.clear_caches()
    client = storage.s3_client(storage.S3Settings.from_env())
    client.create_bucket(Bucket="locks")
    yield "s3://locks/out"
    for obj in client.list_objects_v2(Bucket="locks").get("Contents", []):
        client.delete_object(Bucket="locks", Key=obj["Key"])
    client.delete_bucket(Bucket="locks")
    storage.clear_caches()


@pytest.fixture(params=["local", "s3"])
def out(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "local":
        return storage.parse_uri(str(tmp_path / "out")).uri
    return str(request.getfixturevalue("s3_out"))


def _race(out: str, n: int = 8) -> list[ScanLock | LockError]:
    """``n`` threads try to take the same scan id at the same moment."""
    s3 = storage.S3Settings.from_env()
    start = threading.Barrier(n)
    results: list[ScanLock | LockError] = [LockError("not run")] * n

    def one(i: int) -> None:
        start.wait()
        try:
            results[i] = ScanLock.acquire(out, "s1", f"{i:012x}", 60, s3, heartbeat=False)
        except LockError as exc:
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_of_concurrent_runs_of_one_scan_id_exactly_one_gets_the_lock(out: str) -> None:
    results = _race(out)
    winners = [r for r in results if isinstance(r, ScanLock)]
    assert len(winners) == 1
    for r in results:
        if isinstance(r, LockError):
            assert "already running" in str(r) and winners[0].owner in str(r)
    winners[0].check()
    winners[0].release()
    assert not storage.exists(lock_uri(out, "s1"), storage.S3Settings.from_env())
    again = ScanLock.acquire(
        out, "s1", "f" * 12, 60, storage.S3Settings.from_env(), heartbeat=False
    )
    again.release()


def test_an_expired_lock_is_taken_over_by_exactly_one_run_and_the_old_owner_loses_it(
    out: str,
) -> None:
    s3 = storage.S3Settings.from_env()
    crashed = ScanLock.acquire(out, "s1", "c" * 12, 60, s3, heartbeat=False)
    doc = json.loads(storage.read_bytes(lock_uri(out, "s1"), s3))
    doc["expires_at"] = time.time() - 1  # its lease ran out (the driver died)
    storage.write_bytes(json.dumps(doc).encode(), lock_uri(out, "s1"), s3)
    results = _race(out)
    winners = [r for r in results if isinstance(r, ScanLock)]
    assert len(winners) == 1
    with pytest.raises(LockError, match="lost its lock"):
        crashed.check()
    crashed.release()  # not its lock any more: must not delete the new owner's
    winners[0].check()
    winners[0].release()


def test_a_lease_is_renewed_while_the_run_lasts(out: str) -> None:
    s3 = storage.S3Settings.from_env()
    lock = ScanLock.acquire(out, "s1", "a" * 12, 60, s3, heartbeat=False)
    first = json.loads(storage.read_bytes(lock_uri(out, "s1"), s3))["expires_at"]
    time.sleep(0.01)
    lock._renew()
    second = json.loads(storage.read_bytes(lock_uri(out, "s1"), s3))["expires_at"]
    assert second > first and not lock.lost  # a no-op renewal would leave it equal
    lock.release()


def _expire(out: str) -> None:
    """Make the lock's lease end now, as if its driver had stalled or died."""
    s3 = storage.S3Settings.from_env()
    doc = json.loads(storage.read_bytes(lock_uri(out, "s1"), s3))
    doc["expires_at"] = time.time() - 1
    storage.write_bytes(json.dumps(doc).encode(), lock_uri(out, "s1"), s3)


def test_renewing_a_lock_taken_over_marks_it_lost_and_leaves_the_new_owners(out: str) -> None:
    s3 = storage.S3Settings.from_env()
    stalled = ScanLock.acquire(out, "s1", "a" * 12, 60, s3, heartbeat=False)
    _expire(out)
    successor = ScanLock.acquire(out, "s1", "b" * 12, 60, s3, heartbeat=False)
    stalled._renew()
    assert stalled.lost
    held = json.loads(storage.read_bytes(lock_uri(out, "s1"), s3))
    assert held["owner"] == successor.owner
    successor.check()
    stalled.release()
    successor.check()
    successor.release()


def test_release_never_deletes_a_lock_taken_over_between_its_check_and_delete(out: str) -> None:
    """``release`` read the lock, saw itself, and deleted: a run taking the (expired) lock
    over in between lost it, and a third run could then start alongside it. Here the
    takeover is started right after release's read and given half a second: locally it
    waits for release's guard, on S3 it wins and release's conditional delete answers 412;
    either way the successor still holds its lock afterwards."""
    s3 = storage.S3Settings.from_env()
    old = ScanLock.acquire(out, "s1", "a" * 12, 60, s3, heartbeat=False)
    _expire(out)
    real_read = old._read
    race: dict[str, Any] = {}

    def read_then_race() -> Any:
        current = real_read()
        if "thread" not in race:

            def take() -> None:
                race["lock"] = ScanLock.acquire(out, "s1", "b" * 12, 60, s3, heartbeat=False)

            race["thread"] = threading.Thread(target=take)
            race["thread"].start()
            race["thread"].join(0.5)
        return current

    old._read = read_then_race  # type: ignore[method-assign]
    old.release()
    race["thread"].join()
    successor = race["lock"]
    successor.check()  # raises if release deleted the successor's lock
    successor.release()
    assert not storage.exists(lock_uri(out, "s1"), s3)


def test_write_then_verify_owns_a_free_lock_refuses_a_live_one_and_detects_a_lost_race(
    out: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback for stores without conditional writes (HDFS, S3 clones)."""
    s3 = storage.S3Settings.from_env()
    uri = lock_uri(out, "s1")
    first = ScanLock(uri, "s1", "a" * 12, 60, s3)
    first._take_verified()
    first.check()
    second = ScanLock(uri, "s1", "b" * 12, 60, s3)
    with pytest.raises(LockError, match="already running"):
        second._take_verified()
    _expire(out)
    second._take_verified()  # a lock whose lease ended is taken over
    second.check()
    with pytest.raises(LockError):
        first.check()
    # A racing writer's document lands right after ours: what is read back is not us.
    third = ScanLock(uri, "s1", "c" * 12, 60, s3)
    _expire(out)
    real_write = storage.write_bytes

    def write_then_clobbered(data: bytes, dest: str, *a: Any, **kw: Any) -> None:
        real_write(data, dest, *a, **kw)
        doc = json.loads(data)
        doc["owner"] = "racer:1:dddddddddddd"
        real_write(json.dumps(doc).encode(), dest, *a, **kw)

    monkeypatch.setattr(storage, "write_bytes", write_then_clobbered)
    with pytest.raises(LockError, match="racer:1"):
        third._take_verified()


@pytest.mark.parametrize(
    ("key", "unsafe"),
    [
        ("raw/a.log", False),
        ("raw/a..b.log", False),
        ("raw/a/../../../etc/passwd", True),
        ("raw//a.log", True),
        ("raw/./a.log", True),
        ("..", True),
        # a file name holds 255 bytes: the copy adds `.parquet` to the last segment
        ("raw/" + "n" * 247, False),
        ("raw/" + "n" * 248, True),
        ("raw/" + "n" * 256 + "/a.log", True),
        ("raw/" + "é" * 123 + "n", False),  # 247 bytes + `.parquet`
        ("raw/" + "é" * 124, True),  # 124 characters, but 248 bytes + `.parquet` = 256
    ],
)
def test_a_copy_path_must_stay_inside_the_output(key: str, unsafe: bool, tmp_path: Path) -> None:
    root = storage.parse_uri(str(tmp_path / "out" / "redacted")).uri
    reason = commit.unsafe_reason(root, f"s3://bucket/{key}")
    assert (reason is not None) == unsafe
    if not unsafe:
        dest = storage.parse_uri(commit.redacted_uri(root, f"s3://bucket/{key}"))
        assert dest.path.startswith(storage.parse_uri(root).path + "/")


def test_keys_whose_copies_need_one_path_as_file_and_directory_are_both_skipped(
    tmp_path: Path,
) -> None:
    """`x` and `x.parquet/y` copy to `…/x.parquet` and `…/x.parquet/y.parquet`: on a local
    or HDFS root one of them cannot be written (EEXIST used to fail the commit). Both are
    skipped whichever is listed first; unrelated neighbours are not."""
    root = storage.parse_uri(str(tmp_path / "out" / "redacted")).uri
    keys = ["raw/x", "raw/x.parquet/y", "raw/x.parquet/z/w", "raw/x.log", "raw/xparquet/y"]
    found = [storage.ObjectInfo(f"s3://b/{k}", 1, 0, None) for k in keys]
    for listing in (found, found[::-1]):
        safe, unsafe = _split_unsafe(listing, root)
        skipped = {entry.uri.split("/", 3)[3]: skip.reason for entry, skip in unsafe}
        assert set(skipped) == {"raw/x", "raw/x.parquet/y", "raw/x.parquet/z/w"}
        assert all(r.startswith("unsafe key") and "x.parquet" not in r for r in skipped.values())
        assert sorted(o.uri for o in safe) == ["s3://b/raw/x.log", "s3://b/raw/xparquet/y"]


@pytest.mark.parametrize("scan_id", ["..", ".", ".hidden", "a/b", "é", ""])
def test_scan_ids_that_could_name_another_path_are_refused(scan_id: str) -> None:
    with pytest.raises(ScanError):
        _check_scan_id(scan_id)
    _check_scan_id("2026-01-01.nightly_1")


def test_a_lease_shorter_than_half_a_minute_is_refused_with_the_reason(tmp_path: Path) -> None:
    """A lease at or below the renewal interval (a third of it, at least 1 s) would expire
    under a healthy scan and let another run take the scan id over."""
    conf = tmp_path / "scan.yaml"
    conf.write_text("lock_lease_minutes: 0.01\n")
    with pytest.raises(ConfigError, match=r"lock_lease_minutes: .*at least 0.5 \(30 seconds\)"):
        load_scan_config(conf)
    conf.write_text("lock_lease_minutes: 0.5\n")
    assert load_scan_config(conf).lock_lease_minutes == 0.5


def test_orphan_purge_never_deletes_parts_of_a_committed_scan_with_a_longer_id(
    tmp_path: Path,
) -> None:
    """``part-s-0123456789ab-00000.parquet`` reads as an orphan attempt of ``s`` and as a
    part of the committed scan ``s-0123456789ab``: the rerun of ``s`` used to delete it."""
    s3 = storage.S3Settings.from_env({})
    out = tmp_path / "out"
    findings = out / "findings" / "scan_date=2026-01-01"
    findings.mkdir(parents=True)
    (out / "scans").mkdir()
    (out / "scans" / "s-0123456789ab.json").write_text("{}")
    theirs = findings / "part-s-0123456789ab-00000.parquet"
    orphans = [findings / "part-s-00000.parquet", findings / "part-s-aaaaaaaaaaaa-00001.parquet"]
    for p in [theirs, *orphans]:
        p.write_bytes(b"x")
    _purge_orphan_findings(storage.parse_uri(str(out)).uri, "s", s3)
    assert theirs.exists()
    assert not any(p.exists() for p in orphans)


def test_subject_reads_only_the_findings_parts_a_summary_lists(tmp_path: Path) -> None:
    """A run that lost its lock mid-commit (or crashed) can leave a findings part carrying
    a committed scan id; ``subject`` filtered by scan id only and reported its rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from jobs.findings import arrow_schema
    from jobs.subject import Identifier, lookup

    s3 = storage.S3Settings.from_env({})
    out = tmp_path / "out"
    day = out / "findings" / "scan_date=2026-01-01"
    day.mkdir(parents=True)

    def part(name: str, fingerprint: str) -> None:
        row = {
            "scan_id": "s1", "source_uri": "file:///lake/a.log", "line_number": 1,
            "record_index": 0, "field_path": None, "char_start": 0, "char_end": 5,
            "entity_type": "EMAIL_ADDRESS", "detector": "email", "score": 1.0,
            "action": "mask", "fingerprint": fingerprint, "preview": "xXXXx",
        }  # fmt: skip
        pq.write_table(pa.Table.from_pylist([row], schema=arrow_schema()), day / name)

    part("part-s1-aaaaaaaaaaaa-00000.parquet", "f" * 64)  # the committed attempt's
    part("part-s1-bbbbbbbbbbbb-00000.parquet", "e" * 64)  # a lost attempt's, same scan id
    (out / "scans").mkdir()
    summary = {
        "scan_id": "s1",
        "scan_date": "2026-01-01",
        "started_at": "2026-01-01T00:00:00+00:00",
        "attempt": "aaaaaaaaaaaa",
        "findings_parts": ["scan_date=2026-01-01/part-s1-aaaaaaaaaaaa-00000.parquet"],
    }
    (out / "scans" / "s1.json").write_text(json.dumps(summary))
    uri = storage.parse_uri(str(out)).uri
    for fp in ("f", "e"):
        found = lookup(uri, [Identifier("EMAIL_ADDRESS", (fp * 64,), "x")], s3).locations
        assert [r["fingerprint"] for r in found] == ([fp * 64] if fp == "f" else [])
