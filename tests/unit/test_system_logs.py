"""Lines in the formats of public system-log collections (HDFS, BGL, OpenSSH, Apache,
Android, Hadoop, Zookeeper, Spark, Linux syslog, OpenStack, Windows CBS, HealthApp): block
ids, epoch timestamps, node names, request ids and object dumps must stay silent; the only
personal data in them are public client addresses. Presidio reports block ids and epoch
timestamps in such lines as credit cards."""

from __future__ import annotations

from pathlib import Path

from detectors.engine import Engine

LINES = (Path(__file__).parents[1] / "data" / "system_logs.txt").read_text().splitlines()


def test_when_real_system_log_formats_are_scanned_then_only_public_client_ips_are_found() -> None:
    engine = Engine.default()
    found = [
        (i + 1, s.entity_type, line[s.start : s.end])
        for i, line in enumerate(LINES)
        for s in engine.scan_text(line)
    ]
    assert found == [
        (6, "IP_ADDRESS", "173.234.31.186"),
        (7, "IP_ADDRESS", "173.234.31.186"),
        (8, "IP_ADDRESS", "52.80.34.196"),
        (9, "IP_ADDRESS", "119.137.62.142"),
        (17, "IP_ADDRESS", "218.188.2.4"),
    ]
