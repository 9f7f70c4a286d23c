"""Identifiers as URLs carry them: in the userinfo, the path and the query string,
URL-encoded once or twice, and base64 in a ``Basic`` header. Each must be found whole, and the
redacted line must hold no part of it beyond what the entity's mask keeps by design (the
first two characters of a mailbox, the domain)."""

from __future__ import annotations

import pytest

from detectors.engine import Engine
from detectors.keys import KeyRing
from detectors.policy import Policy

KEYS = KeyRing(b"f" * 32, b"t" * 32, {"k1": b"e" * 32}, "k1")

# (line, entity, the identifier as written, a part of it that must not survive redaction)
CASES = [
    pytest.param(
        "PROPFIND https://13800138000%40163.com@p28-contacts.icloud.com/1234/carddavhome/card/",
        "EMAIL_ADDRESS",
        "13800138000%40163.com",
        "800138000",
        id="mailbox-in-userinfo",
    ),
    pytest.param(
        "GET /v2/users/priya.nair%40yahoo.co.in/orders HTTP/1.1",
        "EMAIL_ADDRESS",
        "priya.nair%40yahoo.co.in",
        "iya.nair",
        id="mailbox-in-path",
    ),
    pytest.param(
        "redirect=https%3A%2F%2Fshop.in%2Fcb%3Femail%3Dravi.kumar%2540gmail.com%26x%3D1",
        "EMAIL_ADDRESS",
        "ravi.kumar%2540gmail.com",
        "vi.kumar",
        id="mailbox-encoded-twice",
    ),
    pytest.param(
        "GET /sms?to=%2B91%2098765%2043210&msg=hi",
        "PHONE_NUMBER",
        "%2B91%2098765%2043210",
        "98765",
        id="mobile-with-encoded-spaces",
    ),
    pytest.param(
        "cb=https%3A%2F%2Fshop.in%2Fv%3Fph%3D%252B919876543210",
        "PHONE_NUMBER",
        "%252B919876543210",
        "987654",
        id="mobile-encoded-twice",
    ),
    pytest.param(
        "Authorization: Basic OTg3NjU0MzIxMDpzZWNyZXQ=",  # 9876543210:secret
        "SECRET",
        "OTg3NjU0MzIxMDpzZWNyZXQ=",
        "OTg3NjU0",
        id="basic-credentials",
    ),
]


@pytest.fixture(scope="module")
def engine(engine_class: type[Engine]) -> Engine:
    return engine_class.default()


@pytest.mark.parametrize(("line", "entity", "value", "secret_part"), CASES)
def test_when_identifier_is_url_encoded_then_one_span_covers_it_whole(
    engine, line, entity, value, secret_part
):
    spans = engine.scan_text(line)
    start = line.index(value)
    assert [(s.entity_type, s.start, s.end) for s in spans] == [(entity, start, start + len(value))]


@pytest.mark.parametrize(("line", "entity", "value", "secret_part"), CASES)
def test_when_line_is_redacted_then_no_part_of_the_identifier_is_left(
    engine, line, entity, value, secret_part
):
    redacted = Policy.default().redact_text(line, engine.scan_text(line), KEYS)
    assert secret_part not in redacted
    assert engine.scan_text(redacted) == []  # a rescan of the copy finds nothing live


def test_when_encoded_mailbox_is_masked_then_the_domain_reads_as_written(engine):
    line = "GET /track?u=priya.sharma%40yahoo.co.in HTTP/1.1"
    redacted = Policy.default().redact_text(line, engine.scan_text(line), KEYS)
    assert redacted == "GET /track?u=prXXX.XXXXXX%40yahoo.co.in HTTP/1.1"
