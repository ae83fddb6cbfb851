"""CRM exports as they come: comma, semicolon or tab separated, UTF-8 with or without a BOM, or an
older Windows encoding, with quoted fields.

Salesforce and HubSpot write UTF-8 with commas; Excel in much of Europe saves "CSV" with semicolons
and in the machine's own code page; many data tools write tabs. The reader works out which one a
file is and says so, so a refusal names the real problem (a missing column), never the separator.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
# Tried in order after UTF-8: Excel's Western European code page, then Latin-1, which reads any byte.
FALLBACK_ENCODINGS = ("cp1252", "latin-1")
SNIFFED_LINES = 50


@dataclass(frozen=True)
class Export:
    """An export's rows as text, and how the file was read (for progress and the model card)."""

    rows: list[dict[str, Any]]
    delimiter: str
    encoding: str
    notes: list[str] = field(default_factory=list)

    @property
    def format(self) -> dict[str, str]:
        return {"delimiter": DELIMITERS[self.delimiter], "encoding": self.encoding}


def decode(data: bytes) -> tuple[str, str, list[str]]:
    """The file's text, the encoding it was read in, and a note when that was not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8 (with BOM)", []
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as error:
        failure = f"not valid UTF-8 (byte {data[error.start]:#04x} at offset {error.start})"
    for encoding in FALLBACK_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        note = f"the file is {failure}: read as {encoding}; save it as UTF-8 to be sure of accented names"
        return text, encoding, [note]
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def sniff_delimiter(text: str) -> str:
    """The separator that splits the header into the most columns while every sampled row has as
    many fields as the header (quoted fields may hold any separator); a comma when none fits."""
    sample = text.splitlines()[:SNIFFED_LINES]
    best, best_width = ",", 1
    for delimiter in DELIMITERS:
        parsed = [row for row in csv.reader(sample, delimiter=delimiter) if row]
        if not parsed:
            continue
        width = len(parsed[0])
        # The last sampled line may be cut inside a quoted field: only whole rows are compared.
        consistent = all(len(row) == width for row in parsed[:-1]) if len(parsed) > 1 else True
        if consistent and width > best_width:
            best, best_width = delimiter, width
    return best


def read_export(path: Path) -> Export:
    text, encoding, notes = decode(path.read_bytes())
    delimiter = sniff_delimiter(text)
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
    return Export(rows, delimiter, encoding, notes)


def load_rows(path: Path) -> list[dict[str, Any]]:
    return read_export(path).rows
