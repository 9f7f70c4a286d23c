"""`piisweep reveal`: encrypt and tokenize output back to the value, with the right keys only."""

from __future__ import annotations

import base64
import io
import subprocess
import sys

import pytest

from detectors.keys import KeyRing
from detectors.operators import encrypt, tokenize
from jobs.cli import main as cli_main
from jobs.reveal_cli import reveal

PHONE, PAN = "9876543210", "ABCPE1234F"
K1 = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> KeyRing:
    monkeypatch.setenv("PIISWEEP_ENCRYPTION_KEYS", f"k1:{K1}")
    return KeyRing.load()


def test_when_tokens_come_on_stdin_then_each_line_gives_type_and_value(keys: KeyRing) -> None:
    tokens = [encrypt(PHONE, "PHONE_NUMBER", keys), encrypt(PAN, "IN_PAN", keys)]
    proc = subprocess.run(
        [sys.executable, "-m", "jobs.cli", "reveal"],
        input="\n".join(tokens) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"PHONE_NUMBER\t{PHONE}", f"IN_PAN\t{PAN}"]


def test_when_tokenized_values_are_given_then_the_entity_type_reverses_them(
    keys: KeyRing, capsys: pytest.CaptureFixture[str]
) -> None:
    token = tokenize(PAN, "IN_PAN", keys)
    assert token != PAN
    assert cli_main(["reveal", "--entity-type", "IN_PAN", token]) == 0
    assert capsys.readouterr().out == f"{PAN}\n"


def test_when_a_token_is_altered_or_unknown_then_it_fails_alone_without_echoing_it(
    keys: KeyRing,
) -> None:
    good = encrypt(PHONE, "PHONE_NUMBER", keys)
    head, payload = good[:-1].rsplit(":", 1)
    altered = f"{head}:{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}]"
    foreign = encrypt(PHONE, "PHONE_NUMBER", KeyRing(bytes(32), bytes(32), {"k9": bytes(32)}, "k9"))
    out, err = io.StringIO(), io.StringIO()
    code = reveal([altered, "", "not a token", foreign, good], None, keys, out, err)
    assert code == 1
    assert out.getvalue() == f"PHONE_NUMBER\t{PHONE}\n"  # the good one still comes out
    lines = err.getvalue().splitlines()
    # positions are lines of the input, the blank one counted
    assert [line.split(":")[1].strip() for line in lines] == ["input 1", "input 3", "input 4"]
    assert "authentication failed" in lines[0] and "k9" in lines[2]
    for text in (altered, payload, foreign, PHONE):
        assert text not in err.getvalue()


def test_when_keys_are_ephemeral_then_reveal_refuses(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for var in ("PIISWEEP_FINGERPRINT_KEY", "PIISWEEP_TOKEN_KEY", "PIISWEEP_ENCRYPTION_KEYS"):
        monkeypatch.delenv(var, raising=False)
    assert cli_main(["reveal", "ENC[v1:k1:AAAA]"]) == 2
    err = capsys.readouterr().err
    assert "PIISWEEP_KEY_FILE" in err and "Traceback" not in err
