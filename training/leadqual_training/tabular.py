"""CSV files of records, as exports, back-tests and retraining write them."""

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def write_rows(rows: Iterable[Mapping[str, Any]], out: Path) -> int:
    """A CSV with every column any row has, in the order first seen; returns how many rows."""
    materialised = list(rows)
    columns = list(dict.fromkeys(column for row in materialised for column in row))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(materialised)
    return len(materialised)
