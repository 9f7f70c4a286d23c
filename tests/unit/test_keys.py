"""Key loading from env and files, and proof that key material never shows up in repr(),
exception messages or logs."""

from __future__ import annotations

import base64
import inspect
import json
import logging
import os
import pickle

import pytest

from detectors import keys as keys_module
from detectors.errors import KeyMaterialError
from detectors.keys import KeyRing

FP = bytes(range(32))
TOKEN = bytes(range(100, 140))
ENC_A = bytes(range(200, 232))
ENC_B = bytes(reversed(range(200, 232)))
FP_HEX = FP.hex()
TOKEN_B64 = base64.b64encode(TOKEN).decode()
ENC_A_B64 = base64.b64encode(ENC_A).decode()
ENC_B_B64 = base64.urlsafe_b64encode(ENC_B).decode().rstrip("=")


def env(**overrides: str) -> dict[str, str]:
    base = {
        "PIISWEEP_FINGERPRINT_KEY": FP_HEX,
        "PIISWEEP_TOKEN_KEY": TOKEN_B64,
        "PIISWEEP_ENCRYPTION_KEYS": f"a:{ENC_A_B64},b:{ENC_B_B64}",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def material_strings() -> list[str]:
    """Every textual form of the test keys that must never leak."""
    out = []
    for raw in (FP, TOKEN, ENC_A, ENC_B):
        out += [raw.hex(), raw.hex().upper(), base64.b64encode(raw).decode(), repr(raw)]
        out.append(base64.urlsafe_b64encode(raw).decode().rstrip("="))
    return out


def assert_no_material(text: str, *extra: str) -> None:
    for secret in [*material_strings(), *extra]:
        assert secret not in text


def test_when_env_has_hex_and_base64_keys_then_all_decode():
    ring = KeyRing.from_env(env())
    assert ring.fingerprint_key == FP
    assert ring.token_key == TOKEN
    assert dict(ring.encryption_keys) == {"a": ENC_A, "b": ENC_B}
    assert ring.active_key_id == "a"
    assert ring.source == "environment"


def test_when_active_key_id_set_then_it_is_used():
    ring = KeyRing.from_env(env(PIISWEEP_ACTIVE_KEY_ID="b"))
    assert ring.encryption_key() == ("b", ENC_B)
    assert ring.encryption_key("a") == ("a", ENC_A)


def test_when_encryption_keys_absent_then_ring_loads_and_encryption_key_names_variable():
    ring = KeyRing.from_env(env(PIISWEEP_ENCRYPTION_KEYS=None))
    assert ring.encryption_keys == {}
    with pytest.raises(KeyMaterialError, match="PIISWEEP_ENCRYPTION_KEYS"):
        ring.encryption_key()


def test_when_longer_than_32_bytes_then_fingerprint_key_accepted():
    long_key = bytes(range(64))
    ring = KeyRing.from_env(env(PIISWEEP_FINGERPRINT_KEY=base64.b64encode(long_key).decode()))
    assert ring.fingerprint_key == long_key


BAD_ENV = [
    pytest.param(
        {"PIISWEEP_FINGERPRINT_KEY": None}, "PIISWEEP_FINGERPRINT_KEY: not set", id="fp-missing"
    ),
    pytest.param({"PIISWEEP_TOKEN_KEY": ""}, "PIISWEEP_TOKEN_KEY: not set", id="token-empty"),
    pytest.param(
        {"PIISWEEP_TOKEN_KEY": "ab" * 31},
        "PIISWEEP_TOKEN_KEY: expected hex or base64 of at least 32 bytes, got 31",
        id="token-short-hex",
    ),
    pytest.param(
        {"PIISWEEP_FINGERPRINT_KEY": "not base64 at all! secretvalue"},
        "PIISWEEP_FINGERPRINT_KEY: expected hex or base64 of at least 32 bytes",
        id="fp-garbage",
    ),
    pytest.param(
        {"PIISWEEP_ENCRYPTION_KEYS": ENC_A_B64},
        "PIISWEEP_ENCRYPTION_KEYS: entry 1: expected <key_id>:<base64 of 32 bytes>",
        id="enc-without-id",
    ),
    pytest.param(
        {"PIISWEEP_ENCRYPTION_KEYS": f"a:{ENC_A_B64},b:{base64.b64encode(FP + b'x').decode()}"},
        "PIISWEEP_ENCRYPTION_KEYS: entry 2 (b): expected hex or base64 of exactly 32 bytes, got 33",
        id="enc-wrong-size",
    ),
    pytest.param(
        {"PIISWEEP_ENCRYPTION_KEYS": f"a:{ENC_A_B64},a:{ENC_B_B64}"},
        "entry 2: duplicate key id 'a'",
        id="enc-duplicate-id",
    ),
    pytest.param(
        {"PIISWEEP_ENCRYPTION_KEYS": f"bad id:{ENC_A_B64}"},
        "entry 1: key id must be",
        id="enc-bad-id",
    ),
    pytest.param(
        {"PIISWEEP_ACTIVE_KEY_ID": "c"},
        "PIISWEEP_ACTIVE_KEY_ID: key id 'c' is not in PIISWEEP_ENCRYPTION_KEYS (a, b)",
        id="active-unknown",
    ),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_ENV)
def test_when_env_key_material_is_bad_then_error_names_variable_without_material(
    overrides, message
):
    with pytest.raises(KeyMaterialError) as info:
        KeyRing.from_env(env(**overrides))
    assert message in str(info.value)
    # ids and empty values are not secret; every longer override is (or contains) material
    assert_no_material(str(info.value), *(v for v in overrides.values() if v and len(v) > 8))
    assert info.value.__suppress_context__ or info.value.__context__ is None


def test_when_repr_or_str_then_no_key_material():
    ring = KeyRing.from_env(env())
    for shown in (repr(ring), str(ring), f"{ring!r} {[ring]}"):
        assert_no_material(shown)
        assert "'a', 'b'" in shown


def test_when_pickled_then_equal_and_immutable():
    ring = KeyRing.from_env(env())
    clone = pickle.loads(pickle.dumps(ring))
    assert clone == ring
    with pytest.raises(TypeError):
        clone.encryption_keys["c"] = ENC_A  # type: ignore[index]
    with pytest.raises(AttributeError):
        clone.token_key = FP  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fingerprint_key": FP[:31]}, "fingerprint_key: expected at least 32 bytes"),
        ({"encryption_keys": {"a": ENC_A[:16]}}, "expected exactly 32 bytes"),
        ({"encryption_keys": {"a": ENC_A}, "active_key_id": "z"}, "active key id 'z'"),
    ],
)
def test_when_constructed_with_bad_material_then_key_material_error(kwargs, message):
    args = {"fingerprint_key": FP, "token_key": TOKEN, **kwargs}
    with pytest.raises(KeyMaterialError, match=message) as info:
        KeyRing(**args)
    assert_no_material(str(info.value))


# --- files ----------------------------------------------------------------------------------

YAML_FILE = f"""\
fingerprint_key: "{FP_HEX}"
token_key: "{TOKEN_B64}"
encryption_keys:
  a: "{ENC_A_B64}"
  b: "{ENC_B_B64}"
active_key_id: b
"""


def write(path, text: str, mode: int = 0o600):
    path.write_text(text)
    os.chmod(path, mode)
    return path


@pytest.mark.parametrize("name", ["keys.yaml", "keys.yml", "keys.json"])
def test_when_key_file_valid_then_loaded(tmp_path, name):
    data = {
        "fingerprint_key": FP_HEX,
        "token_key": TOKEN_B64,
        "encryption_keys": {"a": ENC_A_B64, "b": ENC_B_B64},
        "active_key_id": "b",
    }
    text = json.dumps(data) if name.endswith(".json") else YAML_FILE
    ring = KeyRing.from_file(write(tmp_path / name, text))
    assert (ring.fingerprint_key, ring.token_key) == (FP, TOKEN)
    assert ring.encryption_key() == ("b", ENC_B)
    assert ring.source == f"file {tmp_path / name}"


def test_when_key_file_lists_encryption_keys_as_string_then_loaded(tmp_path):
    text = f'fingerprint_key: "{FP_HEX}"\ntoken_key: "{TOKEN_B64}"\n'
    text += f'encryption_keys: "a:{ENC_A_B64}"\n'
    assert KeyRing.from_file(write(tmp_path / "k.yaml", text)).active_key_id == "a"


BAD_FILES = [
    pytest.param(YAML_FILE + "extra_field: 1\n", "unknown field(s) extra_field", id="unknown"),
    pytest.param(YAML_FILE + f"{FP_HEX}: 1\n", "unknown field(s) <unprintable>", id="material-key"),
    pytest.param(
        YAML_FILE.replace(f'token_key: "{TOKEN_B64}"\n', ""), "token_key is missing", id="missing"
    ),
    pytest.param(
        YAML_FILE.replace(TOKEN_B64, TOKEN_B64[:20]),
        ": token_key: expected hex or base64 of at least 32 bytes",
        id="short",
    ),
    pytest.param(
        YAML_FILE.replace(f'"{FP_HEX}"', "1" * 64),
        "fingerprint_key: expected hex or base64 of at least 32 bytes as a (quoted) string",
        id="unquoted-number",
    ),
    pytest.param(
        YAML_FILE.replace("active_key_id: b", "active_key_id: z"),
        "active_key_id: expected one of the encryption_keys ids (a, b)",
        id="active-unknown",
    ),
    pytest.param(
        YAML_FILE.replace(f'b: "{ENC_B_B64}"', f'b: "{ENC_B_B64[:30]}"'),
        "encryption_keys.b: expected hex or base64 of exactly 32 bytes",
        id="enc-short",
    ),
    pytest.param(
        YAML_FILE.replace("encryption_keys:\n", f"encryption_keys: [{FP_HEX}\n"),
        "not valid YAML (line",
        id="yaml-syntax",
    ),
    pytest.param(f"- {FP_HEX}\n", "expected a mapping with fields", id="not-mapping"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_when_key_file_is_bad_then_error_names_file_without_material(tmp_path, text, message):
    path = write(tmp_path / "keys.yaml", text)
    with pytest.raises(KeyMaterialError) as info:
        KeyRing.from_file(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)
    assert_no_material(str(info.value), TOKEN_B64[:20], ENC_B_B64[:30])
    assert info.value.__suppress_context__ or info.value.__context__ is None


def test_when_json_key_file_is_malformed_then_line_reported_without_material(tmp_path):
    path = write(tmp_path / "keys.json", '{\n"fingerprint_key": "' + FP_HEX + '",,\n}')
    with pytest.raises(KeyMaterialError, match=r"not valid JSON \(line 2\)") as info:
        KeyRing.from_file(path)
    assert_no_material(str(info.value))


def test_when_key_file_missing_then_error_names_file(tmp_path):
    with pytest.raises(KeyMaterialError, match="cannot read key file"):
        KeyRing.from_file(tmp_path / "absent.yaml")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_when_key_file_readable_by_others_then_warning_without_material(tmp_path, caplog):
    path = write(tmp_path / "keys.yaml", YAML_FILE, mode=0o644)
    with caplog.at_level(logging.WARNING, logger="detectors.keys"):
        KeyRing.from_file(path)
    assert "chmod 600" in caplog.text and "644" in caplog.text
    assert_no_material(caplog.text)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_when_key_file_private_then_no_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="detectors.keys"):
        KeyRing.from_file(write(tmp_path / "keys.yaml", YAML_FILE))
    assert caplog.text == ""


# --- load -----------------------------------------------------------------------------------


def test_when_key_file_variable_set_then_file_wins_over_env(tmp_path):
    path = write(tmp_path / "keys.yaml", YAML_FILE)
    ring = KeyRing.load(env(PIISWEEP_KEY_FILE=str(path), PIISWEEP_FINGERPRINT_KEY=TOKEN.hex()))
    assert ring.fingerprint_key == FP and ring.source.startswith("file ")


def test_when_only_env_keys_set_then_env_is_used():
    assert KeyRing.load(env()).source == "environment"


def test_when_env_partially_configured_then_error_instead_of_ephemeral():
    with pytest.raises(KeyMaterialError, match="PIISWEEP_FINGERPRINT_KEY: not set"):
        KeyRing.load({"PIISWEEP_TOKEN_KEY": TOKEN_B64})


def test_when_nothing_configured_then_ephemeral_keys_warn_once(monkeypatch, caplog):
    monkeypatch.setattr(keys_module, "_ephemeral", None)
    with caplog.at_level(logging.WARNING, logger="detectors.keys"):
        first = KeyRing.load({})
        second = KeyRing.load({"UNRELATED": "1"})
    assert first is second and first.is_ephemeral
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "PIISWEEP_KEY_FILE" in caplog.text and "not stable across runs" in caplog.text
    assert first.fingerprint_key.hex() not in caplog.text
    assert first.token_key.hex() not in repr(first)


def test_when_ephemeral_then_encryption_unavailable_with_instructions(monkeypatch):
    monkeypatch.setattr(keys_module, "_ephemeral", None)
    with pytest.raises(KeyMaterialError, match="PIISWEEP_ENCRYPTION_KEYS") as info:
        KeyRing.ephemeral().encryption_key()
    assert "ephemeral" in str(info.value)


def test_when_key_id_unknown_then_error_lists_configured_ids():
    ring = KeyRing.from_env(env())
    with pytest.raises(
        KeyMaterialError, match="unknown encryption key id 'zz'; configured ids: a, b"
    ):
        ring.encryption_key("zz")


@pytest.mark.parametrize("method", [KeyRing.from_env, KeyRing.load])
def test_when_signature_rendered_then_environment_is_not_in_it(monkeypatch, method):
    monkeypatch.setenv("PIISWEEP_FINGERPRINT_KEY", FP_HEX)
    assert FP_HEX not in str(inspect.signature(method))


def test_when_environ_omitted_then_process_environment_is_read(monkeypatch):
    for var, value in env().items():
        monkeypatch.setenv(var, value)
    monkeypatch.delenv("PIISWEEP_KEY_FILE", raising=False)
    assert KeyRing.load().fingerprint_key == FP
    assert KeyRing.from_env().token_key == TOKEN
