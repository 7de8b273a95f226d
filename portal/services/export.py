"""Cells of an exported table, safe to open in a spreadsheet, in every export format.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel
and LibreOffice as a formula (`=HYPERLINK(...)` in a hall's name runs when an auditor opens the
file). As OWASP's CSV injection sheet says, such a cell is prefixed with a single quote, and
every CSV field is quoted (a separator or quote inside a value can then not start a new cell).
Numbers are written as they are: a negative price or id is data, not a formula.
"""

import csv
import re
from datetime import date, datetime, time
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A number as the portal writes it ("-12", "45.00", "-0.5"): read as a number, never a formula.
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?\Z")
UTF8_BOM = "\ufeff"  # so that Excel reads the file as UTF-8 (Chinese text)


def safe_cell(value):
    """`value` as the text of one exported cell, neutralised if a spreadsheet would run it."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal, date, datetime, time)):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.match(text):
        return "'" + text
    return text


class _Line:
    """The file-like object csv.writer writes one line to: returns it instead of storing it."""

    def write(self, line):
        return line


def csv_lines(rows):
    """Each row (a sequence of values) as one CSV line of safe cells, every field quoted."""
    writer = csv.writer(_Line(), quoting=csv.QUOTE_ALL)
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])
