"""Run Microsoft Presidio's analyzer over a log slice; executed inside bench/.venv-presidio.

Stand-alone on purpose: it runs under a different interpreter (Presidio and spaCy must not
enter the project's venv), so it imports nothing from this repository.

Offline configuration: Presidio's default engine loads the ``en_core_web_lg`` spaCy model and
downloads it when missing. Official spaCy models are not published on PyPI (only unofficial
re-uploads are), and nothing else is reachable here, so by default this script gives Presidio a
*blank* English spaCy pipeline (tokenizer only, no NER). Every pattern/checksum recognizer
still runs, and context words still work because lemmas fall back to the lower-cased token;
NER-only entities (PERSON, LOCATION) are not produced. India recognizers, disabled in
Presidio's default registry, are enabled because the corpus is Indian. With
``--spacy-model NAME`` an installed spaCy model is used instead, with Presidio's spaCy NER.

Writes findings as JSON Lines in piisweep's findings shape (entity names mapped to ours) and a
stats JSON with timings (engine set-up and warm-up excluded from the timed loop).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

# Presidio entity -> benchmark entity; everything else is counted as unmapped and dropped.
ENTITY_MAP = {
    "PHONE_NUMBER": "PHONE_NUMBER",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "CREDIT_CARD": "CREDIT_CARD",
    "IP_ADDRESS": "IP_ADDRESS",
    "IBAN_CODE": "IBAN_CODE",
    "US_SSN": "US_SSN",
    "IN_AADHAAR": "IN_AADHAAR",
    "IN_PAN": "IN_PAN",
    "IN_PASSPORT": "IN_PASSPORT",
    "IN_VOTER": "IN_VOTER",
    "IN_GSTIN": "IN_GSTIN",
    "MAC_ADDRESS": "MAC_ADDRESS",
    "PERSON": "PERSON",
}


def build_analyzer(spacy_model: str | None):
    """An AnalyzerEngine that never touches the network."""
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        InAadhaarRecognizer,
        InGstinRecognizer,
        InPanRecognizer,
        InPassportRecognizer,
        InVoterRecognizer,
    )

    class BlankSpacyNlpEngine(SpacyNlpEngine):
        """spaCy tokenizer only: no model download, no NER, lower-case tokens as lemmas."""

        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

        def _doc_to_nlp_artifact(self, doc, language):
            return NlpArtifacts(
                entities=[],
                tokens=doc,
                tokens_indices=[t.idx for t in doc],
                lemmas=[t.lemma_ or t.lower_ for t in doc],
                nlp_engine=self,
                language=language,
                scores=[],
            )

    if spacy_model:
        nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": spacy_model}])
    else:
        nlp_engine = BlankSpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank"}])
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine)
    if not spacy_model:
        registry.remove_recognizer("SpacyRecognizer")
    for rec in (
        InAadhaarRecognizer,
        InPanRecognizer,
        InPassportRecognizer,
        InVoterRecognizer,
        InGstinRecognizer,
    ):
        registry.add_recognizer(rec())
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])
    names = sorted({r.name for r in registry.recognizers})
    return analyzer, names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--stats", type=Path, required=True)
    parser.add_argument("--pin-core", type=int, default=0, help="-1 to leave affinity alone")
    parser.add_argument("--spacy-model", default=None)
    args = parser.parse_args(argv)

    if args.pin_core >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.pin_core})
    # tldextract (Presidio's e-mail validator) fetches the Public Suffix List on first use; an
    # empty URL list makes it use the snapshot it ships, with no network attempt.
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    import presidio_analyzer
    import spacy

    t_setup = time.perf_counter()
    analyzer, recognizers = build_analyzer(args.spacy_model)
    for text in ("warm up 9876543210 rahul@gmail.com 4111 1111 1111 1111", "ABCPE1234F"):
        analyzer.analyze(text=text, language="en")
    setup_s = time.perf_counter() - t_setup

    lines = args.input.read_bytes().decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    n_bytes = args.input.stat().st_size
    unmapped: Counter[str] = Counter()
    out: list[str] = []
    cpu0, t0 = time.process_time(), time.perf_counter()
    for line_number, text in enumerate(lines, start=1):
        for res in analyzer.analyze(text=text, language="en"):
            ours = ENTITY_MAP.get(res.entity_type)
            if ours is None:
                unmapped[res.entity_type] += 1
                continue
            meta = res.recognition_metadata or {}
            out.append(
                json.dumps(
                    {
                        "source_uri": args.input.resolve().as_uri(),
                        "line_number": line_number,
                        "record_index": line_number - 1,
                        "field_path": None,
                        "char_start": res.start,
                        "char_end": res.end,
                        "entity_type": ours,
                        "detector": f"presidio:{meta.get('recognizer_name', '?')}",
                        "score": round(float(res.score), 4),
                        "fingerprint": None,
                        "preview": None,
                    }
                )
            )
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    args.output.write_text("".join(f"{o}\n" for o in out), encoding="utf-8")
    stats = {
        "presidio_analyzer_version": presidio_analyzer.__version__
        if hasattr(presidio_analyzer, "__version__")
        else _dist_version("presidio-analyzer"),
        "spacy_version": spacy.__version__,
        "nlp": args.spacy_model or "spacy.blank('en') (tokenizer only, no NER)",
        "recognizers": recognizers,
        "python": sys.version.split()[0],
        "lines": len(lines),
        "bytes": n_bytes,
        "setup_seconds": round(setup_s, 3),
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "findings": len(out),
        "unmapped_entities": dict(unmapped.most_common()),
        "affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
    }
    args.stats.write_text(json.dumps(stats, indent=2), encoding="utf-8")
    return 0


def _dist_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    raise SystemExit(main())
