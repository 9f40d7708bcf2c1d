"""The one formula-safe CSV writer (core.spreadsheet) that every CSV of the app uses."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from core.spreadsheet import safe_cell, unescape_cell, writer

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_a_spreadsheet_would_run_is_kept_as_text(start):
    cell = start + "HYPERLINK(1)"
    assert safe_cell(cell) == "'" + cell
    assert unescape_cell(safe_cell(cell)) == cell


@pytest.mark.parametrize("number", ["-3", "+1,5", "-0.25", "12", 7, None])
def test_a_plain_number_stays_a_number(number):
    assert safe_cell(number) == number


def test_the_writer_escapes_every_cell():
    buffer = io.StringIO()
    writer(buffer).writerow(["=1+1", "ok", "@me", -2])
    assert buffer.getvalue() == "'=1+1;ok;'@me;-2\r\n"


def test_no_module_writes_csv_without_the_safe_writer():
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.glob("*/**/*.py")
        if ".venv" not in path.parts
        and "tests" not in path.parts
        and path.name != "spreadsheet.py"
        and "csv.writer(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
