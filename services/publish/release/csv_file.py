"""release.csv: for Excel on Chinese Windows (UTF-8 with BOM, CRLF), formula-safe."""

from __future__ import annotations

import csv
import io

from .model import Release
from .table import HEADERS, release_rows

# OWASP CSV injection: a spreadsheet treats cells starting with these as formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str | int) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def release_csv(release: Release) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADERS)
    for row in release_rows(release):
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue().encode("utf-8-sig")
