"""View tables whose rows merge like facts: any order, any repetition, the same rows.

A row is a key plus column groups. Each group is merged by a rule that is commutative,
associative and idempotent, so a view is a function of the *set* of events it has seen,
whatever the interleaving across topics and partitions, the redeliveries or the batch
boundaries:

- `LatestBy(version, values)`: the values carried by the highest version win. Versions are
  domain attributes, e.g. (revision, event_id) or (occurred_at, event_id), never arrival order.
- `Least(column)`: the smallest value wins (first-seen instants).

In memory a `timestamptz` value is an int of microseconds since the epoch (`micros`): compared
exactly, and staged as a bigint, which costs a fraction of encoding a datetime.
One spec yields the DDL, the in-memory merge that folds a batch (table_batch.TableBatch) and
the SQL merge of a folded batch into the table, so the two merges cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone


_EPOCH, _MICROSECOND = datetime(1970, 1, 1, tzinfo=timezone.utc), timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """An instant as view tables hold it in memory: exact integer arithmetic, no float anywhere.
    A naive time is taken as UTC, never as the host's local time: every host rebuilds the same rows."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // _MICROSECOND


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str


@dataclass(eq=False, slots=True)
class LatestBy:
    version: tuple[Column, ...]
    values: tuple[Column, ...]
    start: int = field(default=-1, repr=False)  # row indexes of the group, set by the table
    version_end: int = field(default=-1, repr=False)
    end: int = field(default=-1, repr=False)

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.version + self.values


@dataclass(eq=False, slots=True)
class Least:
    column: Column
    start: int = field(default=-1, repr=False)
    end: int = field(default=-1, repr=False)

    @property
    def columns(self) -> tuple[Column, ...]:
        return (self.column,)


Group = LatestBy | Least


class ViewTable:
    def __init__(self, name: str, key: tuple[Column, ...], groups: tuple[Group, ...],
                 generated: tuple[str, ...] = (), indexes: tuple[str, ...] = ()) -> None:
        self.name, self.key, self.groups = name, key, groups
        self.generated = generated  # extra column definitions, e.g. "status text GENERATED ALWAYS AS (…) STORED"
        self.indexes = indexes      # "CREATE INDEX … ON {table} (…)": built after a bulk load, not during it
        self.columns: tuple[Column, ...] = key
        for group in groups:
            if group.start != -1:
                raise ValueError("a column group belongs to one table")
            group.start = len(self.columns)
            self.columns += group.columns
            group.end = len(self.columns)
            if isinstance(group, LatestBy):
                group.version_end = group.start + len(group.version)
        self.column_names = [c.name for c in self.columns]

    # --- SQL ------------------------------------------------------------------------------------

    def create_sql(self, schema: str, unlogged: bool = False) -> str:
        cols = [f"{c.name} {c.sql_type}" + (" NOT NULL" if c in self.key else "") for c in self.columns]
        cols += list(self.generated)
        cols.append(f"PRIMARY KEY ({', '.join(c.name for c in self.key)})")
        kind = "UNLOGGED TABLE" if unlogged else "TABLE"
        # Rows are rewritten as later facts arrive: leave room on each page for in-place (HOT) updates.
        return f"CREATE {kind} {schema}.{self.name} (\n  " + ",\n  ".join(cols) + "\n) WITH (fillfactor = 80)"

    def index_sql(self, schema: str) -> list[str]:
        # IF NOT EXISTS: a rebuild whose finish failed half-way resumes the same shadow and must finish it
        return [ddl.format(table=f"{schema}.{self.name}", name=self.name).replace(
                    "CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1) for ddl in self.indexes]

    @property
    def stage(self) -> str:
        return f"stage_{self.name}"

    def stage_sql(self) -> str:
        cols = ", ".join(f"{c.name} {'bigint' if _instant(c) else c.sql_type}" for c in self.columns)
        return f"CREATE TEMP TABLE IF NOT EXISTS {self.stage} ({cols}) ON COMMIT DELETE ROWS"

    def merge_sql(self, schema: str) -> str:
        names = ", ".join(self.column_names)
        staged = ", ".join(f"'epoch'::timestamptz + {c.name} * interval '1 microsecond'" if _instant(c) else c.name
                           for c in self.columns)
        key = ", ".join(c.name for c in self.key)
        sets = [f"{c.name} = {expr}" for group in self.groups for c, expr in _merge_exprs(group)]
        # ORDER BY key: concurrent writers lock rows in one order and never deadlock.
        return (f"INSERT INTO {schema}.{self.name} AS t ({names}) SELECT {staged} FROM {self.stage} "
                f"ORDER BY {key} ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(sets))


def _instant(column: Column) -> bool:
    return column.sql_type == "timestamptz"


def _merge_exprs(group: Group) -> list[tuple[Column, str]]:
    if isinstance(group, Least):
        name = group.column.name
        return [(group.column, f"LEAST(t.{name}, EXCLUDED.{name})")]
    new = ", ".join(f"EXCLUDED.{c.name}" for c in group.version)
    old = ", ".join(f"t.{c.name}" for c in group.version)
    first = group.version[0].name
    # Versions are never NULL once a group is set; a NULL version means "this batch has no news".
    wins = f"EXCLUDED.{first} IS NOT NULL AND (t.{first} IS NULL OR ROW({new}) > ROW({old}))"
    return [(c, f"CASE WHEN {wins} THEN EXCLUDED.{c.name} ELSE t.{c.name} END") for c in group.columns]
