"""The Spark tier: one real local SparkSession for the whole run, and the moto S3 server.

The S3 variables are put into the process environment before the JVM starts, because
Spark's Python workers inherit the environment of the JVM that forks them; a per-test
monkeypatch would never reach them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from s3server import moto_endpoint, moto_s3_env  # noqa: F401 - session fixture

from jobs import driver_archive, storage


@pytest.fixture(scope="session")
def s3_env(moto_endpoint: str) -> Iterator[dict[str, str]]:  # noqa: F811
    # Module-scoped fixtures run before the per-test key fixture of tests/conftest.py, so
    # the same fixed keys are set here for the whole session.
    env = {
        **moto_s3_env(moto_endpoint),
        "PIISWEEP_FINGERPRINT_KEY": "11" * 32,
        "PIISWEEP_TOKEN_KEY": "22" * 32,
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    storage.clear_caches()
    yield env
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    storage.clear_caches()


@pytest.fixture(scope="session")
def spark(s3_env: dict[str, str]) -> Iterator[Any]:
    from jobs.spark import session

    spark = session(
        "local[2]",
        {
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "4",
            "spark.driver.memory": "2g",
        },
    )
    yield spark
    spark.stop()
    driver_archive.write_now()  # a worker's exit may be cut short before its JVM wrote it


@pytest.fixture
def s3_bucket(s3_env: dict[str, str]) -> Iterator[str]:
    """A fresh bucket per test, removed afterwards."""
    import uuid

    client = storage.s3_client(storage.S3Settings.from_env())
    name = f"lake-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=name)
    yield name
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=name, Key=obj["Key"])
    client.delete_bucket(Bucket=name)
