"""The rows one batch of events touched, merged in memory by their view table's rules (view_table)."""

from __future__ import annotations

import re
from typing import Any

from eventlog.projection.view_table import LatestBy, Least, ViewTable

# Keys are stored as the contracts write them: a malformed or non-canonical id must not reach a
# uuid column, where it would fail the whole batch (or alias another row), so it fails its own event.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch


class TableBatch:
    """The rows one batch of events touched, merged in memory by the table's rules."""

    __slots__ = ("table", "rows", "_blank", "_composite", "_uuid_keys")

    def __init__(self, table: ViewTable) -> None:
        self.table = table
        self.rows: dict[Any, list] = {}
        self._blank = [None] * (len(table.columns) - len(table.key))
        self._composite = len(table.key) > 1
        self._uuid_keys = [i for i, c in enumerate(table.key) if c.sql_type == "uuid"]

    def _row(self, key: Any) -> list:
        values = key if self._composite else (key,)
        for i in self._uuid_keys:
            if not (isinstance(values[i], str) and _CANONICAL_UUID(values[i])):
                raise ValueError(f"{self.table.name}: key {values[i]!r} is not a canonical UUID")
        row = self.rows[key] = [*values, *self._blank]
        return row

    def latest(self, group: LatestBy, key: Any, version: tuple, values: tuple) -> None:
        row = self.rows.get(key) or self._row(key)
        start = group.start
        current, first = row[start], version[0]
        # Most versions differ in their first part: compare whole tuples only on a tie there.
        if current is None or first > current or (
                first == current and version > tuple(row[start:group.version_end])):
            row[start:group.end] = version + values

    def least(self, group: Least, key: Any, value: Any) -> None:
        row = self.rows.get(key) or self._row(key)
        current = row[group.start]
        if current is None or value < current:
            row[group.start] = value

    def __len__(self) -> int:
        return len(self.rows)
