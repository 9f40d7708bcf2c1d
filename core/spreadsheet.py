"""Formula-safe CSV: the one writer every CSV of the app goes through.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (CSV injection). Such a cell is written with an apostrophe in front, which
spreadsheets show as text and which the device import takes off again. A plain number
(``-3``, ``+1,5``, ``-0.25``) is no formula and stays a number, so that tidy files keep their
numeric columns.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+([.,][0-9]+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet reads it as data, never as a formula."""
    formula_like = isinstance(value, str) and value.startswith(FORMULA_STARTS)
    if formula_like and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


def unescape_cell(value: str) -> str:
    """The value that ``safe_cell`` wrote with an apostrophe, as it was (for imports)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class SafeWriter:
    """``csv.writer`` whose rows are made formula-safe cell by cell."""

    def __init__(self, buffer, **options) -> None:
        self._writer = csv.writer(buffer, **options)

    def writerow(self, values: Iterable[Any]):
        return self._writer.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.writerow(values)


def writer(buffer, *, delimiter: str = ";", lineterminator: str = "\r\n") -> SafeWriter:
    """A formula-safe writer; by default what German Excel opens: ``;`` and CRLF."""
    return SafeWriter(buffer, delimiter=delimiter, lineterminator=lineterminator)
