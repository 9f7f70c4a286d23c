"""The real-log corpus (tests/data/reallogs: 24,074 lines of Apache, auth.log, Kafka, JVM GC,
Windows Security, CloudTrail and CI logs from public repositories; SOURCES.md says where
from and under which licence) scanned whole by both engines: nothing may be reported that
those systems do not hold, and what they do hold must be found. `bench.reallogs` prints
the same figures per source; this keeps them from regressing."""

from __future__ import annotations

import pytest

from bench.reallogs import SOURCES, scan_source
from detectors.engine import Engine


@pytest.fixture(scope="module")
def engine(engine_class: type[Engine]) -> Engine:
    return engine_class.default()


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_when_a_real_log_is_scanned_then_only_what_its_system_holds_is_found(engine, source):
    result = scan_source(engine, source)
    assert result["lines"] > 300
    assert result["false_alarm_list"] == []
    assert set(result["findings_by_entity"]) <= SOURCES[source].holds


def test_when_real_logs_hold_identifiers_then_they_are_found(engine):
    found = {name: scan_source(engine, name)["findings_by_entity"] for name in SOURCES}
    # Crawler contact mailboxes in user agents (help@moz.com 87 times, +support@embed.ly).
    assert found["apache_access"]["EMAIL_ADDRESS"] >= 105
    assert found["apache_access"]["IP_ADDRESS"] >= 5000
    assert found["ci_build"] == {"EMAIL_ADDRESS": 1}  # a build notification's mailbox
    assert found["aws_cloud"]["AWS_ACCESS_KEY"] == 103  # every accessKeyId
    assert found["linux_auth"] == {"IP_ADDRESS": 2000}  # sshd's clients
