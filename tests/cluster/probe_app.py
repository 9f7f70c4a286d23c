"""A spark-submit application for the cluster tier: where do the executors' Python workers
import piisweep from? Each of N tasks (a short sleep each, so every executor takes some)
imports ``detectors._native`` and reports its file, the libraries grafted into the wheel
that the process has mapped (``piisweep.libs/``: libhs), the worker's Python and working
directory; the driver prints them as one JSON line.

    spark-submit --master spark://… probe_app.py [N]
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from pyspark.sql import SparkSession


def where(task: int) -> dict[str, Any]:
    import detectors._native as native

    import detectors
    import jobs

    with open("/proc/self/maps") as maps:
        paths = {line.split(maxsplit=5)[-1].strip() for line in maps if "/" in line}
    time.sleep(0.5)
    return {
        "task": task,
        "pid": os.getpid(),
        "cwd": os.getcwd(),
        "python": sys.executable,
        "prefix": sys.prefix,
        "native": native.__file__,
        "native_version": native.__version__,
        "detectors": detectors.__file__,
        "jobs": jobs.__file__,
        "grafted": sorted(p for p in paths if "/piisweep.libs/" in p),
    }


def main(argv: list[str]) -> int:
    tasks = int(argv[0]) if argv else 8
    spark = SparkSession.builder.appName("piisweep-probe").getOrCreate()
    try:
        rows = spark.sparkContext.parallelize(range(tasks), tasks).map(where).collect()
    finally:
        spark.stop()
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
