"""``piisweep reveal``: authorised re-identification of ``encrypt`` and ``tokenize`` output.

A GDPR access request, or fraud investigation under a ticket, needs the original value
behind a pseudonym in a redacted copy. Only the two reversible operators can give it back,
and only with the deployment's keys (PIISWEEP_KEY_FILE or the PIISWEEP_* variables);
ephemeral keys are refused, since nothing made with them can be reversed.

This command prints raw personal data to its standard output by design: run it where that
output is allowed to go. Errors name the input's position and the reason, never the token
or a value, so logs of a failed run stay clean.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from detectors.entities import VOCABULARY
from detectors.errors import KeyMaterialError, OperatorError
from detectors.keys import KeyRing
from detectors.operators import decrypt, detokenize


def add_parsers(sub: Any) -> None:
    rv = sub.add_parser(
        "reveal",
        help="decrypt ENC[...] tokens or reverse tokenized values (needs the deployment's keys)",
        description="Prints, for each input, the original value: 'ENTITY_TYPE<TAB>value' for "
        "ENC[v1:...] tokens of the encrypt operator, or the value alone for tokens of the "
        "tokenize operator when --entity-type says which entity they were made for. Inputs "
        "come from the arguments, or one per line from standard input.",
    )
    rv.add_argument("tokens", nargs="*", help="tokens (default: one per line from stdin)")
    rv.add_argument(
        "--entity-type",
        choices=sorted(VOCABULARY),
        help="the inputs are tokenize output of this entity type (FF1), not ENC[...] tokens",
    )


def run_reveal(args: argparse.Namespace) -> int:
    keys = KeyRing.load()
    if keys.is_ephemeral:
        raise KeyMaterialError(
            "reveal needs the keys the values were protected with: set PIISWEEP_KEY_FILE or "
            "PIISWEEP_TOKEN_KEY / PIISWEEP_ENCRYPTION_KEYS"
        )
    inputs = args.tokens or sys.stdin  # lines keep their newline; reveal strips each
    return reveal(inputs, args.entity_type, keys, sys.stdout, sys.stderr)


def reveal(
    inputs: Iterable[str], entity_type: str | None, keys: KeyRing, out: TextIO, err: TextIO
) -> int:
    """Write each input's original value to ``out``; exit code 1 when any input failed.
    A failure is reported on ``err`` by the input's position (its line on stdin, blank
    lines counted), and the inputs after it still run."""
    failed = 0
    for n, token in enumerate(inputs, start=1):
        token = token.strip()
        if not token:
            continue
        try:
            if entity_type:
                print(detokenize(token, entity_type, keys), file=out)
            else:
                print("\t".join(decrypt(token, keys)), file=out)
        except (OperatorError, KeyMaterialError) as exc:
            failed += 1
            print(f"piisweep: input {n}: {exc}", file=err)
    return 1 if failed else 0


COMMANDS = {"reveal": run_reveal}
