"""CRM exports as they come: separators, encodings and quoting (leadqual_training.exports)."""

from pathlib import Path

import pytest

from leadqual_training.exports import read_export
from leadqual_training.leaks import importance_warnings

ROWS = [
    {"Lead ID": "1", "Company": "Müller GmbH; Logistik", "Employees": "1,200", "Status": "Qualified"},
    {"Lead ID": "2", "Company": 'Acme "West", Inc.', "Employees": "", "Status": "Unqualified"},
]


def _write(path: Path, delimiter: str, encoding: str, bom: bool = False) -> Path:
    def quoted(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',;\t"') else value

    lines = [delimiter.join(ROWS[0])]
    lines += [delimiter.join(quoted(v) for v in row.values()) for row in ROWS]
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


@pytest.mark.parametrize(("delimiter", "name"), [(",", "comma"), (";", "semicolon"), ("\t", "tab")])
def test_each_separator_is_recognised_and_quoted_fields_keep_theirs(
    tmp_path: Path, delimiter: str, name: str
) -> None:
    export = read_export(_write(tmp_path / "leads.csv", delimiter, "utf-8"))
    assert export.rows == ROWS
    assert export.format == {"delimiter": name, "encoding": "utf-8"}
    assert export.notes == []


def test_utf8_with_a_bom_keeps_the_first_column_name(tmp_path: Path) -> None:
    export = read_export(_write(tmp_path / "leads.csv", ";", "utf-8", bom=True))
    assert export.rows == ROWS  # "Lead ID", not "\ufeffLead ID"
    assert export.format["encoding"] == "utf-8 (with BOM)"


def test_an_excel_export_in_the_windows_code_page_is_read_and_the_fallback_is_said(tmp_path: Path) -> None:
    export = read_export(_write(tmp_path / "leads.csv", ";", "cp1252"))
    assert export.rows == ROWS  # "Müller" read right
    assert export.format["encoding"] == "cp1252"
    assert len(export.notes) == 1 and "not valid UTF-8" in export.notes[0] and "cp1252" in export.notes[0]


def test_a_column_carrying_several_times_the_next_ones_weight_is_named() -> None:
    columns = {"duration": "Call Duration", "title": "Title", "size": "Employees"}
    [warning] = importance_warnings({"duration": 1.2, "title": 0.4, "size": 0.3}, columns)
    assert "'Call Duration'" in warning and "3.0x" in warning
    assert importance_warnings({"duration": 0.9, "title": 0.4, "size": 0.3}, columns) == []
