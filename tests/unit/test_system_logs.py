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


PARTNER = (Path(__file__).parents[1] / "data" / "ecommerce_partner_logs.txt").read_text()


def test_when_partner_api_logs_are_scanned_then_every_value_and_nothing_else_is_found() -> None:
    """Payment-gateway webhooks, shipping and SMS-gateway requests, KYC, cookies, refunds
    and inventory lines, written the way those integrations log them; waybills, RRNs,
    EANs, request ids, SKUs and versions must stay silent."""
    engine = Engine.default()
    found = sorted(
        (i + 1, s.entity_type, line[s.start : s.end])
        for i, line in enumerate(PARTNER.splitlines())
        for s in engine.scan_text(line)
    )
    assert found == sorted(
        [
            (1, "IN_UPI_ID", "gaurav.kumar@exampleupi"),
            (1, "EMAIL_ADDRESS", "gaurav.kumar@example.com"),
            (1, "PHONE_NUMBER", "+919876543210"),
            (2, "PERSON", "Naruto"),
            (2, "PERSON", "Uzumaki"),
            (2, "STREET_ADDRESS", "House 221B, Leaf Village"),
            (2, "EMAIL_ADDRESS", "naruto@uzumaki.com"),
            (2, "PHONE_NUMBER", "9876543210"),
            (3, "PHONE_NUMBER", "919812345678"),
            (3, "OTP_CODE", "458721"),
            (5, "CREDIT_CARD", "5105105105105100"),
            (6, "IN_PAN", "ABCPK1234F"),
            (6, "DATE_OF_BIRTH", "1988-07-14"),
            (6, "PERSON", "RAVI KUMAR"),
            (7, "SECRET", "5f2b8c9a1e0d4c3b9a7f6e5d4c3b2a19"),
            (8, "IP_ADDRESS", "203.0.113.45"),
            (8, "PHONE_NUMBER", "9876501234"),
            (9, "STREET_ADDRESS", "Flat 7, Shanti Niketan, Andheri East, Mumbai 400069"),
        ]
    )
