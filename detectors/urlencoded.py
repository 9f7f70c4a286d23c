"""Values as real logs carry them in URLs: ``email=rahul%40gmail.com``, ``name=Rahul+Sharma``.

The engine scans a decoded copy of such a line and maps every span back to the line as it
was written, so redaction covers the encoded bytes.
"""

from __future__ import annotations

import re

# ``%2540`` is ``@`` encoded twice (``%25`` is ``%``), as a URL carried inside another
# URL's query string writes it: decoded in one step, so the value is found whole.
_ESCAPE = re.compile(r"%(?:25)?([0-9A-Fa-f]{2})|\+")

# Hyperscan trigger for lines that need the decoded pass.
# (`+` between a letter or digit and a letter: `Rahul+Sharma`, `12+MG+Road`, or inside a
# value made only of digits: `mobile=98765+43210`; never the `+05:30` of a timestamp.)
TRIGGER = (
    r"%[2-7][0-9A-Fa-f]|[=&][^ &=\n]{0,40}[A-Za-z0-9]\+[A-Za-z]"
    r"|[=&]\+?[0-9]{2,6}\+[0-9]{2,8}(?:[&\s\"]|$)"  # mobile=98765+43210
)


def decode_with_map(line: str) -> tuple[str, list[int]]:
    """The decoded line and, for each decoded position (plus the end), its original offset.

    Only ASCII escapes are decoded: the characters PII is written in (``@``, ``+``, digits,
    spaces, commas). ``+`` becomes a space, as in form-encoded query strings. An escape
    encoded twice (``%2540``) decodes to its character; a ``+`` that came from ``%2B`` stays
    a ``+``, since decoding is one pass over the line.
    """
    out: list[str] = []
    origin: list[int] = []
    pos = 0
    for m in _ESCAPE.finditer(line):
        hexpair = m.group(1)
        if hexpair is not None and int(hexpair, 16) >= 0x80:
            continue
        out.append(line[pos : m.start()])
        origin.extend(range(pos, m.start()))
        out.append(chr(int(hexpair, 16)) if hexpair is not None else " ")
        origin.append(m.start())
        pos = m.end()
    out.append(line[pos:])
    origin.extend(range(pos, len(line)))
    origin.append(len(line))
    return "".join(out), origin
