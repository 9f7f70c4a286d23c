"""jobs.storage against real stores: the local disk and the moto S3 server over HTTP (a
separate process, reached by boto3 and by pyarrow's C++ S3 client exactly like a real
endpoint). HDFS needs a cluster; only its error path is checked here."""

from __future__ import annotations

import hashlib
import os
import pickle
import random
import shutil
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow.fs as pafs
import pytest
from botocore.exceptions import ClientError

# tests/ is on sys.path (tests/conftest.py has no package), so the server helper imports by
# module name; importing the fixture makes it available to this module.
from s3server import (  # noqa: F401
    drop_aws_credentials,
    moto_endpoint,
    moto_s3_env,
    requests_logged,
)

from detectors.errors import PiisweepError
from jobs import storage
from jobs.storage import (
    ObjectInfo,
    S3Settings,
    Sse,
    StorageError,
    check_writable,
    crawl,
    delete_tree,
    exists,
    filesystem,
    list_files,
    move,
    move_file,
    open_input,
    parse_uri,
    read_bytes,
    write_bytes,
    write_file,
)

# --------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def s3(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Settings]:  # noqa: F811
    """Settings resolved from the environment, as the driver does, with fresh clients."""
    for name, value in moto_s3_env(moto_endpoint).items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    storage.clear_caches()
    yield S3Settings.from_env()
    storage.clear_caches()


@pytest.fixture
def bucket(s3: S3Settings) -> str:
    name = f"t-{uuid.uuid4().hex[:12]}"
    storage.s3_client(s3).create_bucket(Bucket=name)
    return name


def _put_many(client: Any, bucket: str, objects: dict[str, bytes]) -> None:
    with ThreadPoolExecutor(16) as pool:
        list(
            pool.map(
                lambda kv: client.put_object(Bucket=bucket, Key=kv[0], Body=kv[1]), objects.items()
            )
        )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _one_line(err: pytest.ExceptionInfo[StorageError]) -> str:
    """The operator sees exactly one line, with no chained library traceback."""
    text = str(err.value)
    assert "\n" not in text
    assert "Traceback" not in text
    assert err.value.__cause__ is None and err.value.__suppress_context__
    return text


# --------------------------------------------------------------------------------------------
# Locations


@pytest.mark.parametrize(
    ("text", "scheme", "netloc", "path", "uri"),
    [
        ("s3://bkt/a/b/", "s3", "bkt", "/a/b", "s3://bkt/a/b"),
        ("s3a://bkt/a/b", "s3", "bkt", "/a/b", "s3://bkt/a/b"),
        ("S3N://bkt/x.log", "s3", "bkt", "/x.log", "s3://bkt/x.log"),
        ("s3://bkt", "s3", "bkt", "/", "s3://bkt/"),
        ("s3://bkt/", "s3", "bkt", "/", "s3://bkt/"),
        ("s3://bkt/a b/c#1?.log", "s3", "bkt", "/a b/c#1?.log", "s3://bkt/a b/c#1?.log"),
        ("s3://bkt/a//b/../c", "s3", "bkt", "/a//b/../c", "s3://bkt/a//b/../c"),
        ("hdfs://nn:8020/data/x/", "hdfs", "nn:8020", "/data/x", "hdfs://nn:8020/data/x"),
        ("hdfs:///data//x", "hdfs", "", "/data/x", "hdfs:///data/x"),
        ("file:///tmp/x/", "file", "", "/tmp/x", "file:///tmp/x"),
        ("file:/tmp/a/../x", "file", "", "/tmp/x", "file:///tmp/x"),
        ("file://localhost/tmp/x", "file", "", "/tmp/x", "file:///tmp/x"),
        ("file:///", "file", "", "/", "file:///"),
        ("/", "file", "", "/", "file:///"),
        ("/var/log//app/", "file", "", "/var/log/app", "file:///var/log/app"),
    ],
)
def test_when_a_uri_is_parsed_then_it_is_normalised_and_round_trips(
    text: str, scheme: str, netloc: str, path: str, uri: str
) -> None:
    loc = parse_uri(text)
    assert (loc.scheme, loc.netloc, loc.path, loc.uri) == (scheme, netloc, path, uri)
    assert parse_uri(loc.uri) == loc
    assert pickle.loads(pickle.dumps(loc)) == loc


def test_when_a_plain_path_is_parsed_then_it_becomes_an_absolute_file_uri(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert parse_uri("data/x.log").uri == f"file://{tmp_path}/data/x.log"
    assert parse_uri("./data/../y/").uri == f"file://{tmp_path}/y"
    assert parse_uri("~/exports").uri == f"file://{tmp_path}/home/exports"
    assert parse_uri("odd:name.log").uri == f"file://{tmp_path}/odd:name.log"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("gs://bkt/x", "gs://bkt/x"),
        ("abfss://c@acct.dfs.core.windows.net/x", "abfss://c@acct"),
        ("s3:///key", "s3:///key"),
        ("file://otherhost/x", "file://otherhost/x"),
        ("file:relative", "file:relative"),
        ("", "''"),
    ],
)
def test_when_a_uri_is_unsupported_then_storage_error_names_it(text: str, named: str) -> None:
    with pytest.raises(StorageError) as err:
        parse_uri(text)
    assert named in str(err.value)
    assert isinstance(err.value, PiisweepError)


def test_when_locations_are_joined_then_name_and_parent_follow() -> None:
    loc = parse_uri("s3://bkt/out").join("redacted/", "/2024", "a.log.parquet")
    assert loc.uri == "s3://bkt/out/redacted/2024/a.log.parquet"
    assert loc.name == "a.log.parquet"
    assert loc.key == "out/redacted/2024/a.log.parquet"
    assert loc.parent.uri == "s3://bkt/out/redacted/2024"
    root = parse_uri("s3://bkt")
    assert root.join("x").uri == "s3://bkt/x"
    assert root.parent == root and root.is_root and root.name == ""
    assert parse_uri("s3://bkt/x").parent == root
    assert parse_uri("s3://bkt/a").join("../b").uri == "s3://bkt/a/../b"  # keys are literal
    assert parse_uri("/data/a").join("../b").uri == "file:///data/b"
    assert parse_uri("/data").join().uri == "file:///data"
    assert parse_uri("file:///").join("x").uri == "file:///x"
    assert str(parse_uri("hdfs://nn:8020/a")) == "hdfs://nn:8020/a"


# --------------------------------------------------------------------------------------------
# Settings


def test_when_settings_come_from_env_then_the_s3_specific_endpoint_and_region_win() -> None:
    env = {
        "AWS_ENDPOINT_URL": "http://generic:9000",
        "AWS_ENDPOINT_URL_S3": "http://s3only:9000/",
        "AWS_REGION": "ap-south-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    assert S3Settings.from_env(env) == S3Settings("http://s3only:9000", "ap-south-1")
    del env["AWS_ENDPOINT_URL_S3"], env["AWS_REGION"]
    assert S3Settings.from_env(env) == S3Settings("http://generic:9000", "eu-west-1")
    assert S3Settings.from_env({}) == S3Settings(None, "us-east-1")
    settings = S3Settings.from_env(env)
    assert pickle.loads(pickle.dumps(settings)) == settings
    assert "testing" not in repr(S3Settings.from_env({**env, "AWS_SECRET_ACCESS_KEY": "testing"}))
    with pytest.raises(StorageError, match="minio:9000"):
        S3Settings("minio:9000")


def test_when_sse_is_configured_then_only_known_modes_are_accepted() -> None:
    assert Sse("AES256").extra_args() == {"ServerSideEncryption": "AES256"}
    assert Sse("aws:kms", "k-1").extra_args() == {
        "ServerSideEncryption": "aws:kms",
        "SSEKMSKeyId": "k-1",
    }
    with pytest.raises(StorageError, match="aws:kms"):
        Sse("AES128")
    with pytest.raises(StorageError):
        Sse("AES256", kms_key_id="k-1")


def test_when_a_filesystem_is_requested_then_it_is_cached_and_points_at_the_endpoint(
    s3: S3Settings, tmp_path: Path
) -> None:
    fs, path = filesystem(parse_uri("s3://bkt/a/b.log"), s3)
    assert isinstance(fs, pafs.S3FileSystem) and path == "bkt/a/b.log"
    assert fs.region == "us-east-1"
    again, root = filesystem(parse_uri("s3a://other"), s3)
    assert again is fs and root == "other"
    local, lpath = filesystem(parse_uri(str(tmp_path)), s3)
    assert isinstance(local, pafs.LocalFileSystem) and lpath == str(tmp_path)
    assert storage.s3_client(s3) is storage.s3_client(s3)
    assert storage.s3_client(s3).meta.endpoint_url == s3.endpoint_url


@pytest.mark.skipif(
    bool(os.environ.get("ARROW_LIBHDFS_DIR") or os.environ.get("HADOOP_HOME")),
    reason="a Hadoop client is installed; the missing-libhdfs message cannot be produced",
)
def test_when_libhdfs_is_missing_then_the_error_says_what_a_cluster_node_needs() -> None:
    with pytest.raises(StorageError) as err:
        filesystem(parse_uri("hdfs://namenode:8020/logs"), S3Settings())
    text = _one_line(err)
    assert text.startswith("HDFS unavailable for hdfs://namenode:8020/logs (")
    assert "libhdfs.so" in text and "ARROW_LIBHDFS_DIR" in text and "HADOOP_HOME" in text
    assert "CLASSPATH=$(hadoop classpath --glob)" in text


# --------------------------------------------------------------------------------------------
# Crawl: local


def _tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


LOCAL_TREE = {
    "app/2024/a.log": b"alpha\n",
    "app/2024/b.csv": b"id,x\n1,2\n",
    "app/c.jsonl": b"{}\n",
    "app/dt=1/_part=2/d.log": b"d\n",  # partition directories are data
    "app/_SUCCESS": b"",
    "app/2024/.a.log.crc": b"crc",
    "app/_temporary/0/e.log": b"partial",
    "app/_temporary/1/deep/h.log": b"partial",
    "app/.hive-staging/f.log": b"staging",
    "app/g.log._COPYING_": b"half",
    "app/.env": b"DB_PASSWORD=hunter2\n",
    "app/_backup.csv": b"id,x\n",
}
HIDDEN_FILE = "bookkeeping file (name starts with _ or ., Spark's rule): not scanned"
HIDDEN_DIR = "bookkeeping directory (name starts with _ or ., Spark's rule): not scanned"
COPYING = "bookkeeping file (name ends in ._COPYING_, Spark's rule): not scanned"


def _data(found: list[ObjectInfo], base: str) -> list[str]:
    return [o.uri.removeprefix(base) for o in found if not o.skip_reason]


def _skipped(found: list[ObjectInfo], base: str) -> dict[str, str]:
    return {o.uri.removeprefix(base): o.skip_reason for o in found if o.skip_reason}


def test_when_a_local_tree_is_crawled_then_bookkeeping_paths_are_listed_as_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bookkeeping paths used to vanish from the crawl without a trace, though a `.env`,
    a `_backup.csv` or a failed job's `_temporary/` can hold PII. Each is now an entry with
    a reason (never read): a hidden file as itself, a hidden directory as one entry whose
    URI ends in `/`, not walked."""
    _tree(tmp_path, LOCAL_TREE)
    walked: list[str] = []
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        walked.append(str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = crawl([str(tmp_path / "app")], S3Settings())
    base = f"file://{tmp_path}/app/"
    assert _data(found, base) == ["2024/a.log", "2024/b.csv", "c.jsonl", "dt=1/_part=2/d.log"]
    assert _skipped(found, base) == {
        ".env": HIDDEN_FILE,
        ".hive-staging/": HIDDEN_DIR,
        "2024/.a.log.crc": HIDDEN_FILE,  # a checksum beside its data file
        "_SUCCESS": HIDDEN_FILE,
        "_backup.csv": HIDDEN_FILE,
        "_temporary/": HIDDEN_DIR,  # one entry for its two runs' files
        "g.log._COPYING_": COPYING,
    }
    assert not any("_temporary" in p or "hive-staging" in p for p in walked)
    first = found[[o.uri for o in found].index(f"{base}2024/a.log")]
    stat = (tmp_path / "app/2024/a.log").stat()
    assert first == ObjectInfo(first.uri, 6, stat.st_mtime_ns // 1_000_000, None)
    env = next(o for o in found if o.uri.endswith("/.env"))
    assert env.size == len(LOCAL_TREE["app/.env"]) and env.real_path is None
    assert all(o.size == 0 for o in found if o.uri.endswith("/"))


def test_when_hdfs_or_another_filesystem_is_crawled_then_bookkeeping_is_reported_the_same(
    tmp_path: Path,
) -> None:
    """HDFS goes through pyarrow's recursive listing (`_crawl_fs`); no HDFS runs here, so
    the same function lists a local tree. Its entries match the local walk's: what is under
    a hidden directory is folded into that directory's one entry."""
    _tree(tmp_path, LOCAL_TREE)
    (tmp_path / "app" / "_empty").mkdir()  # a hidden directory with nothing in it
    base = f"file://{tmp_path}/app/"
    listed = storage.crawl_fs(parse_uri(str(tmp_path / "app")), S3Settings())
    fs_found = [info for _, info in listed]
    walked = crawl([str(tmp_path / "app")], S3Settings())
    assert sorted(_data(fs_found, base)) == _data(walked, base)
    assert _skipped(fs_found, base) == _skipped(walked, base)
    assert _skipped(walked, base) == {
        ".env": HIDDEN_FILE,
        ".hive-staging/": HIDDEN_DIR,
        "2024/.a.log.crc": HIDDEN_FILE,
        "_SUCCESS": HIDDEN_FILE,
        "_backup.csv": HIDDEN_FILE,
        "_empty/": HIDDEN_DIR,
        "_temporary/": HIDDEN_DIR,
        "g.log._COPYING_": COPYING,
    }
    assert sorted(rel for rel, info in listed if info.skip_reason) == [
        ".env", ".hive-staging", "2024/.a.log.crc", "_SUCCESS", "_backup.csv", "_empty",
        "_temporary", "g.log._COPYING_",
    ]  # fmt: skip


def test_when_a_hidden_path_is_a_link_or_an_unusual_name_then_it_is_one_unfollowed_entry(
    tmp_path: Path,
) -> None:
    """A hidden symbolic link is reported as itself and never followed; `_col=v` is a
    partition directory (data) at any depth, `_` alone and `.x` inside one are not."""
    _tree(
        tmp_path,
        {"lake/_k=1/a.log": b"a\n", "lake/_k=1/.x/b.log": b"b\n", "lake/_/c.log": b"c\n"},
    )
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.log").write_text("s\n")
    os.symlink(tmp_path / "outside", tmp_path / "lake" / ".link")
    found = crawl([str(tmp_path / "lake")], S3Settings(), follow_links_outside=True)
    base = f"file://{tmp_path}/lake/"
    assert _data(found, base) == ["_k=1/a.log"]
    assert _skipped(found, base) == {".link": HIDDEN_FILE, "_/": HIDDEN_DIR, "_k=1/.x/": HIDDEN_DIR}


def test_when_include_and_exclude_are_given_then_relative_path_or_name_must_match(
    tmp_path: Path,
) -> None:
    _tree(tmp_path, LOCAL_TREE)
    src = [f"file://{tmp_path}/app/"]

    def names(**kw: Any) -> list[str]:
        return _data(crawl(src, S3Settings(), **kw), f"file://{tmp_path}/app/")

    def skipped(**kw: Any) -> list[str]:
        return sorted(_skipped(crawl(src, S3Settings(), **kw), f"file://{tmp_path}/app/"))

    assert names(include=["*.log"]) == ["2024/a.log", "dt=1/_part=2/d.log"]
    assert names(include=["2024/*"]) == ["2024/a.log", "2024/b.csv"]
    assert names(include=["b.csv", "c.*"]) == ["2024/b.csv", "c.jsonl"]
    assert names(exclude=["*.log", "*.csv"]) == ["c.jsonl"]
    assert names(include=["*.log"], exclude=["dt=*"]) == ["2024/a.log"]
    assert names(include=["*.parquet"]) == []
    # the globs select skipped entries as they select data (a directory without its `/`)
    assert skipped(include=["*.csv"]) == ["_backup.csv"]
    assert skipped(include=["2024/*"]) == ["2024/.a.log.crc"]
    assert skipped(include=["_temp*"]) == ["_temporary/"]
    assert skipped(exclude=["_*", ".*"]) == ["g.log._COPYING_"]  # the name matches `.*`


def test_when_sources_overlap_or_name_one_file_then_results_are_deduplicated_and_sorted(
    tmp_path: Path,
) -> None:
    _tree(tmp_path, LOCAL_TREE)
    app = tmp_path / "app"
    sources = [str(app / "c.jsonl"), str(app), str(app / "2024"), str(app / "_SUCCESS")]
    found = crawl(sources, S3Settings())
    uris = [o.uri for o in found]
    assert uris == sorted(set(uris))
    # the four data files plus _SUCCESS, which was named explicitly: it is read, whichever
    # source comes first; the other bookkeeping entries are still listed as skipped
    data = [o.uri for o in found if not o.skip_reason]
    assert len(data) == 5 and f"file://{app}/_SUCCESS" in data
    assert [o.uri for o in crawl(sources[::-1], S3Settings()) if not o.skip_reason] == data
    assert len(found) == 5 + 6
    assert crawl([str(app / "c.jsonl")], S3Settings(), include=["*.log"]) == []


def test_when_a_local_source_is_missing_then_the_error_names_it(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as err:
        crawl([str(tmp_path / "nope")], S3Settings())
    assert _one_line(err) == f"source not found: file://{tmp_path}/nope"


def test_when_a_file_vanishes_during_the_crawl_then_it_is_dropped_and_the_rest_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log rotated away between the directory listing and its stat used to end the crawl
    with a raw FileNotFoundError; it no longer exists, so it is simply not listed."""
    _tree(tmp_path, {"app/a.log": b"a\n", "app/b.log": b"b\n", "app/sub/c.log": b"c\n"})
    real_scandir = os.scandir

    def scandir_then_rotate(path: Any) -> Any:
        entries = list(real_scandir(path))
        if str(path).endswith("/app"):
            (tmp_path / "app" / "b.log").unlink()  # after the listing, before the stat
        return iter(entries)

    monkeypatch.setattr(os, "scandir", scandir_then_rotate)
    found = crawl([str(tmp_path / "app")], S3Settings())
    assert [o.uri.rsplit("/app/", 1)[1] for o in found] == ["a.log", "sub/c.log"]


def test_when_a_directory_cannot_be_listed_then_it_is_reported_and_the_rest_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One chmod-000 directory used to abort the whole crawl; it becomes an entry with a
    skip reason (the manifest reports it), and only the source root failing is an error.
    Tests run as root, which reads through chmod 000, so the denial is simulated."""
    _tree(tmp_path, {"app/a.log": b"a\n", "app/locked/x.log": b"x\n", "app/ok/c.log": b"c\n"})
    real_scandir = os.scandir
    denied = {str(tmp_path / "app" / "locked")}

    def scandir(path: Any) -> Any:
        if str(path) in denied:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = crawl([str(tmp_path / "app")], S3Settings())
    rows = {o.uri.rsplit("/app/", 1)[1]: o.skip_reason for o in found}
    locked = "directory cannot be listed (EACCES)"
    assert rows == {"a.log": None, "locked": locked, "ok/c.log": None}
    denied.add(str(tmp_path / "app"))
    with pytest.raises(StorageError, match="access denied"):
        crawl([str(tmp_path / "app")], S3Settings())


def test_when_links_reach_a_directory_twice_or_a_hidden_one_then_each_file_is_listed_once(
    tmp_path: Path,
) -> None:
    """With ``follow_links_outside`` a directory reached through a link and again through
    a link to its parent was walked twice (its real subdirectories and files were never
    checked against what was listed), and a file listed through a link was listed again
    when its directory was walked. A link to a hidden path inside the root (``g -> .git``)
    was followed; what the walk hides must stay hidden."""
    _tree(
        tmp_path,
        {
            "ext/sub/f.log": b"f\n",
            "ext/x.log": b"x\n",
            "lake/.git/config": b"token\n",
            "lake/.secret/k.log": b"k\n",
            "lake/real.log": b"r\n",
        },
    )
    lake = tmp_path / "lake"
    os.symlink(tmp_path / "ext" / "sub", lake / "a")  # walked first ...
    os.symlink(tmp_path / "ext" / "x.log", lake / "b.log")  # listed through a link ...
    os.symlink(tmp_path / "ext", lake / "c")  # ... then both again under ext
    os.symlink(lake / ".git", lake / "g")
    os.symlink(lake / ".secret" / "k.log", lake / "k.log")
    found = crawl([str(lake)], S3Settings(), follow_links_outside=True)
    ok = sorted(o.uri.rsplit("/lake/", 1)[1] for o in found if not o.skip_reason)
    assert ok == ["a/f.log", "b.log", "real.log"]
    reasons = {o.uri.rsplit("/lake/", 1)[1]: o.skip_reason for o in found if o.skip_reason}
    hidden = "symbolic link points to a hidden path (not followed)"
    # the hidden directories themselves are one skipped entry each, nothing under them
    assert reasons == {"g": hidden, "k.log": hidden, ".git/": HIDDEN_DIR, ".secret/": HIDDEN_DIR}


# --------------------------------------------------------------------------------------------
# Crawl: S3


def test_when_a_big_s3_prefix_is_crawled_then_paginators_and_fan_out_return_everything(
    s3: S3Settings, bucket: str
) -> None:
    objects = {f"big/p1/{i:04d}.log": f"line {i}\n".encode() for i in range(1005)}
    objects |= {f"big/p2/q/{i}.csv": b"id\n%d\n" % i for i in range(20)}
    objects |= {
        "big/top.jsonl": b"{}\n",
        "big/dt=2024/_part=1/x.log": b"x\n",
        "big/_SUCCESS": b"",
        "big/.env": b"TOKEN=x\n",
        "big/p2/.x.crc": b"c",
        "big/_temporary/0/y.log": b"partial",
        "big/_temporary/1/z.log": b"partial",
        "big/dt=2024/_temporary/0/a.log": b"partial",
        "big/dt=2024/_temporary/1/b.log": b"partial",
        "big/p1/_staging/": b"",  # a hidden directory's marker
        "big/p3/": b"",  # directory marker
        "bigger/sibling.log": b"not under big/",
        "other.log": b"not under big/",
    }
    client = storage.s3_client(s3)
    _put_many(client, bucket, objects)
    calls: list[tuple[str, str]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append((threading.current_thread().name, params.get("Prefix", "")))

    client.meta.events.register("provide-client-params.s3.ListObjectsV2", record)
    try:
        found = crawl([f"s3://{bucket}/big"], s3)
    finally:
        client.meta.events.unregister("provide-client-params.s3.ListObjectsV2", record)
    fanned = sorted(prefix for thread, prefix in calls if thread.startswith("s3-list"))
    # one listing per data prefix on the pool, two pages for the 1005 keys; hidden ones pruned
    assert fanned == ["big/dt=2024/", "big/p1/", "big/p1/", "big/p2/", "big/p3/"]
    assert not any(prefix.startswith("big/_") for _, prefix in calls)
    expected = sorted(
        k
        for k in objects
        if k.startswith("big/")
        and not k.endswith("/")
        and not any(part.startswith((".", "_SUCCESS", "_temporary")) for part in k.split("/"))
    )
    assert len(expected) == 1005 + 20 + 2
    assert [o.uri for o in found if not o.skip_reason] == [f"s3://{bucket}/{k}" for k in expected]
    # bookkeeping is listed, not lost: a pruned first-level prefix is one entry (never
    # listed), a deeper hidden prefix is one entry for all its keys, a hidden key is itself
    assert _skipped(found, f"s3://{bucket}/big/") == {
        ".env": HIDDEN_FILE,
        "_SUCCESS": HIDDEN_FILE,
        "_temporary/": HIDDEN_DIR,
        "dt=2024/_temporary/": HIDDEN_DIR,
        "p1/_staging/": HIDDEN_DIR,
        "p2/.x.crc": HIDDEN_FILE,
    }
    by_uri = {o.uri: o for o in found}
    env = by_uri[f"s3://{bucket}/big/.env"]
    assert env.size == 8 and env.etag == hashlib.md5(b"TOKEN=x\n").hexdigest()
    assert by_uri[f"s3://{bucket}/big/_temporary/"].size == 0
    sample = by_uri[f"s3://{bucket}/big/p1/0007.log"]
    assert sample.etag == hashlib.md5(b"line 7\n").hexdigest()
    assert sample.size == 7 and sample.mtime_ms > 1_600_000_000_000
    # the s3a alias, a trailing slash and a filter reach the same objects
    logs = crawl([f"s3a://{bucket}/big/"], s3, include=["p1/000*.log"])
    assert [o.uri.rsplit("/", 1)[1] for o in logs] == [f"{i:04d}.log" for i in range(10)]
    temporary = crawl([f"s3://{bucket}/big"], s3, include=["_temporary", "*/_temporary"])
    assert [o.uri for o in temporary] == [
        f"s3://{bucket}/big/_temporary/",
        f"s3://{bucket}/big/dt=2024/_temporary/",
    ]
    # named explicitly, a hidden key or prefix is a source like any other (and no longer
    # a skipped entry of its parent source, whatever the order of the sources)
    hidden = [f"s3://{bucket}/big/_SUCCESS", f"s3://{bucket}/big/_temporary"]
    named = crawl(hidden, s3)
    assert [(o.uri.split("/big/")[1], o.skip_reason) for o in named] == [
        ("_SUCCESS", None),
        ("_temporary/0/y.log", None),
        ("_temporary/1/z.log", None),
    ]
    for sources in ([f"s3://{bucket}/big", *hidden], [*hidden, f"s3://{bucket}/big"]):
        both = crawl(sources, s3)
        data = {o.uri for o in found if not o.skip_reason} | {o.uri for o in named}
        assert [o.uri for o in both if not o.skip_reason] == sorted(data)
        assert sorted(_skipped(both, f"s3://{bucket}/big/")) == [
            ".env", "dt=2024/_temporary/", "p1/_staging/", "p2/.x.crc",
        ]  # fmt: skip
    single = crawl([f"s3://{bucket}/big/top.jsonl"], s3)
    assert single == [by_uri[f"s3://{bucket}/big/top.jsonl"]]


def test_when_an_s3_bucket_or_prefix_is_missing_then_source_not_found(
    s3: S3Settings, bucket: str
) -> None:
    storage.s3_client(s3).put_object(Bucket=bucket, Key="logs/a.log", Body=b"a")
    with pytest.raises(StorageError) as err:
        crawl([f"s3://{bucket}/log"], s3)  # a prefix of a key, not a directory
    assert _one_line(err) == f"source not found: s3://{bucket}/log"
    with pytest.raises(StorageError) as err:
        crawl([f"s3://{bucket}-missing/logs"], s3)
    assert _one_line(err) == (
        f"source not found: s3://{bucket}-missing/logs (bucket {bucket}-missing does not exist)"
    )


def test_when_no_aws_credentials_exist_then_the_error_says_how_to_provide_them(
    s3: S3Settings, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop_aws_credentials(monkeypatch, tmp_path)
    storage.clear_caches()
    with pytest.raises(StorageError) as err:
        crawl([f"s3://{bucket}/logs"], s3)
    assert _one_line(err) == (
        f"no AWS credentials found for s3://{bucket}/logs: set AWS_ACCESS_KEY_ID/"
        "AWS_SECRET_ACCESS_KEY, AWS_PROFILE or an instance role"
    )


def test_when_the_s3_endpoint_is_unreachable_then_the_error_names_the_endpoint(
    s3: S3Settings,
) -> None:
    dead = S3Settings(f"http://127.0.0.1:{_closed_port()}", "us-east-1")
    with pytest.raises(StorageError) as err:
        crawl(["s3://bkt/logs"], dead)
    text = _one_line(err)
    assert text.startswith(f"storage endpoint unreachable: {dead.endpoint_url} ")
    assert "s3://bkt/logs" in text


def test_when_s3_denies_access_then_the_error_names_uri_and_code() -> None:
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "x"}}, "ListObjectsV2")
    err = storage.storage_error(denied, parse_uri("s3a://bkt/k"), S3Settings(), "source")
    assert str(err) == "access denied: s3://bkt/k (AccessDenied)"
    assert err.reason == "access denied: AccessDenied"


# --------------------------------------------------------------------------------------------
# Reading and writing


def test_when_an_s3_object_is_opened_then_byte_ranges_are_read(s3: S3Settings, bucket: str) -> None:
    data = hashlib.sha256(b"seed").digest() * 40_000  # 1.28 MB, not a repeating 4 KiB pattern
    uri = f"s3://{bucket}/in/blob.bin"
    write_bytes(data, uri, s3)
    with open_input(uri, s3) as f:
        assert f.size() == len(data)
        assert f.read_at(100, 700_001) == data[700_001:700_101]
        f.seek(len(data) - 10)
        assert f.read() == data[-10:]
    assert read_bytes(f"s3a://{bucket}/in/blob.bin", s3) == data
    with pytest.raises(StorageError) as err:
        open_input(f"s3://{bucket}/in/missing.bin", s3)
    assert _one_line(err) == f"object not found: s3://{bucket}/in/missing.bin"


def test_when_writing_with_sse_then_s3_stores_the_object_encrypted(
    s3: S3Settings, bucket: str, tmp_path: Path
) -> None:
    client = storage.s3_client(s3)
    local = tmp_path / "part-0.parquet"
    local.write_bytes(b"PAR1 first attempt")
    write_file(str(local), f"s3://{bucket}/out/a.parquet", s3, Sse("AES256"))
    head = client.head_object(Bucket=bucket, Key="out/a.parquet")
    assert head["ServerSideEncryption"] == "AES256"

    kms = client_for(s3, "kms")
    key_id = kms.create_key(Description="piisweep test")["KeyMetadata"]["KeyId"]
    local.write_bytes(b"PAR1 retried attempt")
    write_file(str(local), f"s3://{bucket}/out/a.parquet", s3, Sse("aws:kms", key_id))
    head = client.head_object(Bucket=bucket, Key="out/a.parquet")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert key_id in head["SSEKMSKeyId"]
    assert read_bytes(f"s3://{bucket}/out/a.parquet", s3) == b"PAR1 retried attempt"

    write_bytes(b"{}", f"s3://{bucket}/out/scans/s1.json", s3, Sse("AES256"))
    head = client.head_object(Bucket=bucket, Key="out/scans/s1.json")
    assert head["ServerSideEncryption"] == "AES256"

    with pytest.raises(StorageError) as err:
        write_bytes(b"x", f"s3://{bucket}-missing/out/x", s3)
    assert _one_line(err) == (
        f"destination not found: s3://{bucket}-missing/out/x "
        f"(bucket {bucket}-missing does not exist)"
    )


def client_for(s3: S3Settings, service: str) -> Any:
    import boto3

    return boto3.client(service, endpoint_url=s3.endpoint_url, region_name=s3.region)


def test_when_writing_locally_then_the_file_appears_atomically_and_is_overwritten(
    tmp_path: Path,
) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(b"one")
    dst = f"file://{tmp_path}/out/deep/x.parquet"
    write_file(str(src), dst, S3Settings(), Sse("AES256"))  # SSE is ignored off S3
    write_bytes(b"two", dst, S3Settings())
    assert (tmp_path / "out/deep/x.parquet").read_bytes() == b"two"
    assert os.listdir(tmp_path / "out/deep") == ["x.parquet"]  # no temporary left behind
    mode = (tmp_path / "out/deep/x.parquet").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask
    with pytest.raises(StorageError, match="local file to upload not found"):
        write_file(str(tmp_path / "missing"), dst, S3Settings())
    with pytest.raises(StorageError, match="not an object location"):
        write_bytes(b"x", "s3://bkt/", S3Settings())


def test_when_a_file_is_moved_on_one_filesystem_then_it_is_renamed_not_copied(
    tmp_path: Path,
) -> None:
    src = tmp_path / "scratch" / "part.parquet"
    src.parent.mkdir()
    src.write_bytes(b"PAR1 redacted copy")
    inode = src.stat().st_ino
    (tmp_path / "out/deep").mkdir(parents=True)
    (tmp_path / "out/deep/x.parquet").write_bytes(b"a retried task's earlier attempt")
    move_file(str(src), f"file://{tmp_path}/out/deep/x.parquet", S3Settings())
    moved = tmp_path / "out/deep/x.parquet"
    assert moved.read_bytes() == b"PAR1 redacted copy"
    assert moved.stat().st_ino == inode  # the same file: no bytes were copied
    assert not src.exists()
    assert os.listdir(tmp_path / "out/deep") == ["x.parquet"]


def test_when_a_file_is_moved_across_filesystems_then_it_is_copied_and_removed(
    tmp_path: Path,
) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs a second filesystem at /dev/shm")
    src = shm / f"piisweep-move-{uuid.uuid4().hex}.bin"
    src.write_bytes(b"PAR1 from another filesystem")
    try:
        move_file(str(src), f"file://{tmp_path}/out/x.parquet", S3Settings())
    finally:
        leftover = src.exists()
        src.unlink(missing_ok=True)
    assert (tmp_path / "out/x.parquet").read_bytes() == b"PAR1 from another filesystem"
    assert not leftover
    assert os.listdir(tmp_path / "out") == ["x.parquet"]


def test_when_a_file_is_moved_to_s3_then_it_is_uploaded_and_removed(
    tmp_path: Path, s3: S3Settings, bucket: str
) -> None:
    src = tmp_path / "part.parquet"
    src.write_bytes(b"PAR1 for the bucket")
    move_file(str(src), f"s3://{bucket}/staging/p.parquet", s3)
    assert read_bytes(f"s3://{bucket}/staging/p.parquet", s3) == b"PAR1 for the bucket"
    assert not src.exists()
    with pytest.raises(StorageError, match="local file to upload not found"):
        move_file(str(src), f"s3://{bucket}/staging/p.parquet", s3)


def test_when_writing_through_a_pyarrow_filesystem_then_the_rename_replaces_the_target(
    tmp_path: Path,
) -> None:
    """The HDFS write path (temporary name, delete, rename), exercised on a local disk."""
    fs = pafs.LocalFileSystem()
    target = f"{tmp_path}/h/out/x.bin"
    storage.write_fs_atomic(fs, target, lambda out: out.write(b"first"))
    storage.write_fs_atomic(fs, target, lambda out: out.write(b"second"))
    assert Path(target).read_bytes() == b"second"
    assert os.listdir(tmp_path / "h/out") == ["x.bin"]


# --------------------------------------------------------------------------------------------
# Housekeeping


def test_when_housekeeping_local_files_then_list_move_delete_behave(tmp_path: Path) -> None:
    s3 = S3Settings()
    out = f"file://{tmp_path}/out"
    assert list_files(out, s3) == [] and not exists(out, s3)
    write_bytes(b"a", f"{out}/_tmp/a.parquet", s3)
    write_bytes(b"b", f"{out}/_tmp/sub/b.parquet", s3)
    write_bytes(b"old", f"{out}/final/a.parquet", s3)
    assert list_files(out, s3) == [
        f"{out}/_tmp/a.parquet",
        f"{out}/_tmp/sub/b.parquet",
        f"{out}/final/a.parquet",
    ]
    assert list_files(f"{out}/_tmp/a.parquet", s3) == [f"{out}/_tmp/a.parquet"]
    move(f"{out}/_tmp/a.parquet", f"{out}/final/a.parquet", s3)
    move(f"{out}/_tmp/sub/b.parquet", f"{out}/final/new/b.parquet", s3)
    assert (tmp_path / "out/final/a.parquet").read_bytes() == b"a"
    assert exists(f"{out}/final/new/b.parquet", s3) and exists(out, s3)
    assert not exists(f"{out}/_tmp/a.parquet", s3)
    with pytest.raises(StorageError) as err:
        move(f"{out}/_tmp/a.parquet", f"{out}/x", s3)
    assert _one_line(err) == f"object not found: {out}/_tmp/a.parquet"
    with pytest.raises(StorageError, match="across filesystems"):
        move(f"{out}/final/a.parquet", "s3://bkt/a.parquet", s3)
    delete_tree(f"{out}/_tmp", s3)
    delete_tree(f"{out}/final/a.parquet", s3)
    assert list_files(out, s3) == [f"{out}/final/new/b.parquet"]
    delete_tree(f"{out}/never-there", s3)
    with pytest.raises(StorageError, match="refusing"):
        delete_tree("/", s3)


def test_when_housekeeping_on_s3_then_list_move_delete_behave(s3: S3Settings, bucket: str) -> None:
    client = storage.s3_client(s3)
    out = f"s3://{bucket}/out"
    _put_many(
        client,
        bucket,
        {
            "out/_tmp/a.parquet": b"a",
            "out/_tmp/sub/b.parquet": b"b",
            "out/_tmp/": b"",  # a directory marker is deleted with the tree, never listed
            "out-old/keep.parquet": b"sibling",
            "out": b"an object named like the prefix",
        },
    )
    assert list_files(out, s3) == [
        out,
        f"{out}/_tmp/a.parquet",
        f"{out}/_tmp/sub/b.parquet",
    ]
    move(f"{out}/_tmp/a.parquet", f"{out}/final/a.parquet", s3, Sse("AES256"))
    head = client.head_object(Bucket=bucket, Key="out/final/a.parquet")
    assert head["ServerSideEncryption"] == "AES256"
    assert read_bytes(f"{out}/final/a.parquet", s3) == b"a"
    assert not exists(f"{out}/_tmp/a.parquet", s3)
    assert exists(f"{out}/final", s3) and exists(f"s3://{bucket}", s3)
    assert not exists(f"s3://{bucket}-missing/x", s3)
    assert not exists(f"s3://{bucket}-missing", s3)
    with pytest.raises(StorageError) as err:
        move(f"{out}/_tmp/a.parquet", f"{out}/x", s3)
    assert _one_line(err) == f"object not found: {out}/_tmp/a.parquet"

    delete_tree(out, s3)
    assert list_files(out, s3) == []
    remaining = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert remaining == ["out-old/keep.parquet"]
    delete_tree(out, s3)  # nothing there: no error
    delete_tree(f"s3://{bucket}-missing/out", s3)
    assert list_files(f"s3://{bucket}-missing/out", s3) == []
    with pytest.raises(StorageError, match="refusing"):
        delete_tree(f"s3://{bucket}/", s3)


def test_when_the_output_is_writable_then_check_writable_leaves_nothing_behind(
    s3: S3Settings, bucket: str, tmp_path: Path
) -> None:
    check_writable(f"s3://{bucket}/out", s3, Sse("aws:kms"))
    assert list_files(f"s3://{bucket}/out", s3) == []
    check_writable(str(tmp_path / "new-out"), s3)
    assert (tmp_path / "new-out").is_dir() and os.listdir(tmp_path / "new-out") == []


def test_when_the_output_is_not_writable_then_check_writable_says_why(
    s3: S3Settings, bucket: str, tmp_path: Path
) -> None:
    with pytest.raises(StorageError) as err:
        check_writable(f"s3://{bucket}-missing/out", s3)
    assert _one_line(err) == (
        f"output not writable: s3://{bucket}-missing/out (bucket does not exist)"
    )
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    with pytest.raises(StorageError) as err:
        check_writable(str(blocker / "out"), s3)  # a path below a file: even root cannot
    assert _one_line(err) == f"output not writable: file://{blocker}/out (ENOTDIR)"


_DROP_DAC = ["--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override"]


def test_when_the_output_directory_is_read_only_then_check_writable_fails(
    tmp_path: Path,
) -> None:
    """Root ignores permission bits, so as root the check runs in a child process without
    the capabilities that let root do so (``setpriv``); as any other user, in-process."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    expected = f"output not writable: file://{ro} (access denied: EACCES)"
    try:
        if os.geteuid() != 0:
            with pytest.raises(StorageError) as err:
                check_writable(str(ro), S3Settings())
            assert _one_line(err) == expected
            return
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv to drop CAP_DAC_OVERRIDE")
        code = (
            "import sys\n"
            "from jobs.storage import S3Settings, StorageError, check_writable\n"
            "try:\n"
            "    check_writable(sys.argv[1], S3Settings())\n"
            "except StorageError as exc:\n"
            "    print(exc)\n"
        )
        done = subprocess.run(
            [setpriv, *_DROP_DAC, sys.executable, "-c", code, str(ro)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0 and "setpriv" in done.stderr:
            pytest.skip(f"setpriv cannot drop capabilities here: {done.stderr.strip()}")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == expected
    finally:
        ro.chmod(0o700)


# --------------------------------------------------------------------------------------------
# Sequential reads: one request per read-ahead block


def _gzip_log(compressed_mb: int) -> tuple[bytes, bytes]:
    """A gzip log of about ``compressed_mb`` MB (base64 lines barely compress) and its text."""
    import base64
    import gzip

    rng = random.Random(5)
    text = b"".join(
        b"%d " % i + base64.b64encode(rng.randbytes(90)) + b"\n"
        for i in range(compressed_mb * 10700)
    )
    return gzip.compress(text, compresslevel=1), text


def test_when_a_50mb_gzip_object_is_read_sequentially_then_at_most_ten_gets_fetch_it(
    s3: S3Settings,
    bucket: str,
    moto_endpoint: str,  # noqa: F811
) -> None:
    """The readers ask for 64 KiB at a time (gzip for less): straight from pyarrow's S3
    file that is one ranged GET each, ~800 for this object. Read through open_sequential's
    8 MiB block, the whole object takes size / 8 MiB GETs plus the last partial block."""
    from jobs.readers import decompressed, line_blocks

    blob, text = _gzip_log(50)
    assert len(blob) >= 50_000_000
    storage.s3_client(s3).put_object(Bucket=bucket, Key="logs/app.log.gz", Body=blob)
    uri = f"s3://{bucket}/logs/app.log.gz"
    path = f"/{bucket}/logs/app.log.gz"

    before = requests_logged(moto_endpoint, "GET", path)
    with storage.open_sequential(uri, s3) as raw:
        got = b"".join(line_blocks(decompressed(raw, "gzip")))
    gets = requests_logged(moto_endpoint, "GET", path) - before
    assert got == text
    assert 1 <= gets <= 10

    # The unbuffered file: one GET per read (and proof that the count sees every GET).
    before = requests_logged(moto_endpoint, "GET", path)
    with storage.open_input(uri, s3) as raw:
        for _ in range(12):
            raw.read(64 << 10)
    assert requests_logged(moto_endpoint, "GET", path) - before == 12


def test_when_read_block_is_set_then_it_is_read_from_the_environment_in_mib() -> None:
    env = {storage.READ_BLOCK_ENV: "16"}
    assert S3Settings.from_env(env).read_block == 16 << 20
    assert S3Settings.from_env({}).read_block == 8 << 20
    with pytest.raises(StorageError, match="number of MiB"):
        S3Settings.from_env({storage.READ_BLOCK_ENV: "lots"})
    with pytest.raises(StorageError, match="at least"):
        S3Settings.from_env({storage.READ_BLOCK_ENV: "0.01"})
