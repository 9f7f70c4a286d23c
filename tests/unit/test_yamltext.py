"""The project's YAML is read with libyaml's C parser (``detectors.yamltext``): it must give
the values the pure-Python ``SafeLoader`` gives, refuse what it refuses (Python objects
among them), and point at the line of a syntax error as the config errors quote it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from detectors import yamltext

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(ROOT.joinpath("conf").rglob("*.yaml"))


def test_the_c_parser_is_the_one_used_when_pyyaml_has_it() -> None:
    assert yaml.__with_libyaml__, "this environment's PyYAML is built without libyaml"
    assert yamltext.LOADER is yaml.CSafeLoader


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_shipped_yaml_reads_as_the_python_parser_reads_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert yamltext.safe_load(text) == yaml.safe_load(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: [x, 2.5, null, true, 2026-12-07]\nc: {d: '0x1F', e: 010, f: .inf}\n",
        "k: &a [1, 2]\nm: *a\n",
        "- 'quoted: colon'\n- \"tab\\there\"\n- multi\n  line\n",
        "",
    ],
)
def test_scalars_anchors_and_empty_documents_read_the_same(text: str) -> None:
    assert yamltext.safe_load(text) == yaml.safe_load(text)


def test_python_objects_are_refused_as_the_safe_loader_refuses_them() -> None:
    with pytest.raises(yaml.YAMLError):
        yamltext.safe_load("!!python/object/apply:os.system ['true']")


def test_a_syntax_error_carries_the_line_it_is_on() -> None:
    with pytest.raises(yaml.YAMLError) as caught:
        yamltext.safe_load("a: 1\nb: [2, 3\nc: 4\n")
    mark = getattr(caught.value, "problem_mark", None)
    assert mark is not None and mark.line >= 1
