"""The Great Expectations suites: loaded from conf/expectations (JSON), and the entities a
policy allows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detectors.policy import Policy
from jobs.validate.base import LOCATION_COLUMNS, REPO_CONF, ValidateError


@dataclass
class Suite:
    name: str
    batch: str
    doc: dict[str, Any]
    path: Path

    @property
    def meta(self) -> dict[str, Any]:
        return self.doc.get("meta", {}).get("piisweep", {})


def load_suites(suites_dir: Path) -> list[Suite]:
    """Every ``*.json`` suite of ``suites_dir``; each expectation must be one GX knows."""
    import great_expectations as gx

    paths = sorted(suites_dir.glob("*.json"))
    if not paths:
        raise ValidateError(f"no expectation suites (*.json) in {suites_dir}")
    suites = []
    for path in paths:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValidateError(f"{path}: not a readable suite: {type(exc).__name__}") from None
        batch = doc.get("meta", {}).get("piisweep", {}).get("batch")
        if batch not in LOCATION_COLUMNS:
            raise ValidateError(
                f"{path}: meta.piisweep.batch must be one of {', '.join(LOCATION_COLUMNS)}"
            )
        # GX logs and drops an expectation it cannot build; a suite must not shrink silently.
        built = gx.ExpectationSuite(
            name=doc["name"], expectations=doc.get("expectations", []), meta=doc.get("meta")
        )
        if len(built.expectations) != len(doc.get("expectations", [])):
            raise ValidateError(f"{path}: some expectations are not valid GX expectations")
        suites.append(Suite(doc["name"], batch, doc, path))
    return suites


def default_suites_dir(conf_dir: str | None) -> Path:
    for base in (Path(conf_dir) if conf_dir else None, Path("conf"), REPO_CONF):
        if base is not None and (base / "expectations").is_dir():
            return base / "expectations"
    raise ValidateError("no conf/expectations directory; pass --suites")


def policy_entities(policy: Policy) -> set[str]:
    """Entity types the policy names: its entity rules, and its record rules' kinds, parts
    and field rules (``records.fields`` make values such as CITY or PIN_CODE findings)."""
    names = set(policy.model.entities)
    rules = policy.records
    if rules is not None:
        names.update(rules.standalone)
        for kind in rules.combinatorial:
            names.update(kind.entities, kind.parts)
        names.update(f.entity for f in rules.fields)
    return names
