"""What a validation run returns: failures (locations, never values), each suite's outcome, the
run's outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Failure:
    """One failed expectation, in words that never carry a raw value."""

    suite: str
    expectation: str
    columns: list[str]
    description: str | None
    unexpected: int | None = None
    total: int | None = None
    values: list[Any] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    observed: Any = None
    error: str | None = None

    def message(self) -> str:
        on = f" on column {', '.join(self.columns)}" if self.columns else ""
        text = f"{self.suite}: {self.expectation}{on} failed"
        if self.description:
            text += f" ({self.description})"
        if self.error:
            return f"{text}: {self.error}"
        if self.unexpected is not None:
            text += f": {self.unexpected:,} of {self.total:,} rows"
        if self.values:
            text += f"; unexpected values: {', '.join(map(str, self.values))}"
        if self.observed is not None:
            text += f"; observed: {self.observed}"
        if self.locations:
            text += "; at " + "; ".join(self.locations)
        return text


@dataclass
class SuiteOutcome:
    name: str
    success: bool
    evaluated: int
    successful: int


@dataclass
class ValidationOutcome:
    scan_id: str
    out: str
    success: bool
    suites: list[SuiteOutcome]
    failures: list[Failure]
    results_uri: str
    docs_uri: str | None
    results: dict[str, Any] = field(repr=False, default_factory=dict)

    def summary(self) -> str:
        lines = [f"validation of scan {self.scan_id}: {'passed' if self.success else 'FAILED'}"]
        for s in self.suites:
            state = "ok" if s.success else "FAILED"
            lines.append(f"  {s.name:<12} {s.successful}/{s.evaluated} expectations  {state}")
        lines.append(f"  results:   {self.results_uri}")
        if self.docs_uri:
            lines.append(f"  data docs: {self.docs_uri}")
        return "\n".join(lines)
